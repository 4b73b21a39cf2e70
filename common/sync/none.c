/*
 * The sync backend of a build without hiredis: there is none, and a
 * configuration that asks for one is refused (config_validate()).
 */
#include "sync_backend.h"

bool
sync_backend_available(void)
{
	return false;
}

void
sync_backend_run(struct sync *s)
{
	(void)s;
}
