/* File names. */
#ifndef MX_PATH_H
#define MX_PATH_H

#include <stddef.h>

const char	*path_split(const char *, char *, size_t);

#endif
