/*
 * A stand-in for FreeBSD's <net/pfvar.h>, for building and testing the pf
 * table code on other systems: only the table interface, laid out as on
 * FreeBSD/amd64 (../layout.h holds it to the numbers).  What differs from
 * OpenBSD is here; the rest is in ../pfvar_common.h.
 */
#ifndef PFCOMPAT_FREEBSD_PFVAR_H
#define PFCOMPAT_FREEBSD_PFVAR_H

#include <sys/types.h>
#include <netinet/in.h>

#include <stdint.h>

#define PFCOMPAT_FREEBSD	1
#define PFCOMPAT_OS		"freebsd"
/* FreeBSD refuses longer requests (sysctl net.pf.request_maxcount). */
#define PFCOMPAT_MAXCOUNT	65535
/* Counters per direction: block, pass. */
#define PFCOMPAT_OPS		2

/* pf's limits (DIOCGETLIMIT), in FreeBSD's order: no PF_LIMIT_TABLES. */
enum	{ PF_LIMIT_STATES, PF_LIMIT_SRC_NODES, PF_LIMIT_FRAGS,
	  PF_LIMIT_TABLE_ENTRIES, PF_LIMIT_ANCHORS, PF_LIMIT_ETH_ANCHORS,
	  PF_LIMIT_MAX };

struct pfr_addr {
	union {
		struct in_addr	pfrau_ip4;
		struct in6_addr	pfrau_ip6;
	}		pfra_u;
	uint8_t		pfra_af;
	uint8_t		pfra_net;
	uint8_t		pfra_not;
	uint8_t		pfra_fback;
};

#include "../../pfvar_common.h"

#endif
