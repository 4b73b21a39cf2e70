/*
 * mxallowd for Linux: the common daemon with one of two backends, NFQUEUE
 * (mxallowd decides every SYN) or nftables (the kernel decides, mxallowd
 * feeds its sets), or with -R the replay of a savefile through the same
 * core.
 */
#include <stdio.h>
#include <stdlib.h>

#include "daemon.h"
#include "log.h"
#include "nfq.h"
#include "nftrules.h"
#include "replay.h"
#ifdef HAVE_NFTABLES
#include "nft.h"
#endif

/* --print-ruleset: the ruleset the nftables backend would load. */
static int
print_ruleset(struct mxd *d)
{
	struct mx_allow *al = NULL;
	char *text;

	/* Host names are resolved by the daemon; literals are here. */
	if (d->cfg.nallow > 0 &&
	    (al = allow_build(d->cfg.allow, d->cfg.nallow, NULL)) == NULL) {
		fprintf(stderr, "%s: out of memory\n", d->progname);
		return 1;
	}
	text = nftrules_build(&d->cfg, al, false);
	allow_free(al);
	if (text == NULL) {
		fprintf(stderr, "%s: out of memory\n", d->progname);
		return 1;
	}
	fputs(text, stdout);
	free(text);
	return fflush(stdout) == 0 ? 0 : 1;
}

int
main(int argc, char *argv[])
{
	struct mxd d;
	int status;

	if (!mxd_configure(&d, &nfq_port, argc, argv, &status))
		return status;
	if (d.cfg.replay != NULL)
		return replay_run(&d);
	if (d.cfg.print_ruleset) {
		status = print_ruleset(&d);
		config_free(&d.cfg);
		config_free(&d.cmdline);
		return status;
	}
	if (config_nftables(&d.cfg)) {
#ifdef HAVE_NFTABLES
		if (d.cfg.remove_table)
			return nft_remove_table(&d);
		d.port = &nft_port;
#else
		fprintf(stderr, "%s: backend nftables: this mxallowd was built "
		    "without libnftables and libnftnl\n", d.progname);
		return 1;
#endif
	}
	return mxd_run(&d);
}
