/* File names. */
#include <stdio.h>
#include <string.h>

#include "path.h"

/*
 * Split path into its directory, written to dir ("." for a bare name, "/"
 * for a file in the root), and its last component, which is returned (it
 * points into path).  NULL if the directory does not fit in dirlen.
 */
const char *
path_split(const char *path, char *dir, size_t dirlen)
{
	const char *slash = strrchr(path, '/');
	int len;

	if (slash == NULL)
		len = snprintf(dir, dirlen, ".");
	else if (slash == path)
		len = snprintf(dir, dirlen, "/");
	else
		len = snprintf(dir, dirlen, "%.*s", (int)(slash - path), path);
	if (len < 0 || (size_t)len >= dirlen)
		return NULL;
	return slash == NULL ? path : slash + 1;
}
