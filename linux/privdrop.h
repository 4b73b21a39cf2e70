#ifndef MX_PRIVDROP_H
#define MX_PRIVDROP_H

#include "daemon.h"

void	linux_confine(struct mxd *);

#endif
