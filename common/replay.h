/*
 * Offline replay of a pcap savefile (-R): the decisions the daemon would
 * have taken, one line each on standard output, then a summary.
 */
#ifndef MX_REPLAY_H
#define MX_REPLAY_H

#include "daemon.h"

/* Only TCP connections to this port are replayed (see replay.c). */
#define REPLAY_SMTP_PORT	25

/*
 * Replay d->cfg.replay with the configuration in d->cfg, which must be
 * loaded (mxd_configure()).  The core is set up as the daemon sets it up
 * (mxd_init_core()), with the replay as its port.  Frees d->cfg and
 * d->cmdline before returning.  Returns the process's exit status: 0, or 1
 * if the file could not be read or is truncated or corrupt.
 */
int	replay_run(struct mxd *);

#endif
