/*
 * mxallowd for Linux: the common daemon with the NFQUEUE port.
 */
#include "daemon.h"
#include "nfq.h"

int
main(int argc, char *argv[])
{
	return mxd_main(&nfq_port, argc, argv);
}
