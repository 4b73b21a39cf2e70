/*
 * The state file on pf, written by the privileged process: the packet
 * parser, confined, can create no file.  It asks for a temporary file,
 * receives its descriptor, writes the whitelist into it (state_write()),
 * and asks for it to be kept or discarded.  See statefile.c.
 */
#ifndef MX_PF_STATEFILE_H
#define MX_PF_STATEFILE_H

#include <stdbool.h>

struct state_writer {
	int		 dirfd;		/* its directory; -1: no state file */
	const char	*name;		/* its name there */
	char		 tmp[256];	/* the temporary file open, or "" */
	bool		 readable;	/* the metrics file: mode 0644 */
};

void	state_writer_init(struct state_writer *, const char *);
void	metrics_writer_init(struct state_writer *, const char *);
int	state_writer_open(struct state_writer *);
int	state_writer_close(struct state_writer *, bool);
void	state_writer_free(struct state_writer *);

#endif
