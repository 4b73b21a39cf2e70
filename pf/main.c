/*
 * mxallowd for OpenBSD and FreeBSD: the common daemon with the pf port.
 */
#include "daemon.h"
#include "port.h"

int
main(int argc, char *argv[])
{
	return mxd_main(&pf_port, argc, argv);
}
