/*
 * The pf port's privileged parent: see parent.c and privsep.c.
 */
#ifndef MX_PF_PARENT_H
#define MX_PF_PARENT_H

#include <sys/types.h>

#include <stdbool.h>

#include "privsep.h"

struct mxd;

struct parent {
	struct mxd		*d;		/* its configuration, as read */
	struct privsep_server	 srv;		/* the engine's channel */
	pid_t			 engine;	/* -1: gone */
	pid_t			 resolver;	/* -1: gone or none */
	int			 logfd;		/* the children's log lines */
	int			 engine_status;	/* as waitpid() gave it */
	const char		*allow_fixed;	/* unveiled: the only allow-file
						   it can open ("": none);
						   NULL: any */
	bool			 stopping;
	bool			 failed;	/* a child died unasked */
};

int	parent_run(struct parent *);

#endif
