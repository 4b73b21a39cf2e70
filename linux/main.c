/*
 * mxallowd for Linux: the common daemon with the NFQUEUE port, or with -R
 * the replay of a savefile through the same core.
 */
#include "daemon.h"
#include "nfq.h"
#include "replay.h"

int
main(int argc, char *argv[])
{
	struct mxd d;
	int status;

	if (!mxd_configure(&d, &nfq_port, argc, argv, &status))
		return status;
	if (d.cfg.replay != NULL)
		return replay_run(&d);
	return mxd_run(&d);
}
