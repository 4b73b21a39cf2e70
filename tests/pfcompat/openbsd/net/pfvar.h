/*
 * A stand-in for OpenBSD's <net/pfvar.h>, for building and testing the pf
 * table code on other systems: only the table interface, laid out as on
 * OpenBSD/amd64 (../layout.h holds it to the numbers).  What differs from
 * FreeBSD is here; the rest is in ../pfvar_common.h.
 */
#ifndef PFCOMPAT_OPENBSD_PFVAR_H
#define PFCOMPAT_OPENBSD_PFVAR_H

#include <sys/types.h>
#include <netinet/in.h>

#include <stdint.h>

#define PFCOMPAT_OPENBSD	1
#define PFCOMPAT_OS		"openbsd"
#define PFCOMPAT_IFNAMSIZ	16
/* Counters per direction: block, match, pass. */
#define PFCOMPAT_OPS		3

/* pf's limits (DIOCGETLIMIT), in OpenBSD's order. */
enum	{ PF_LIMIT_STATES, PF_LIMIT_SRC_NODES, PF_LIMIT_FRAGS,
	  PF_LIMIT_TABLES, PF_LIMIT_TABLE_ENTRIES, PF_LIMIT_PKTDELAY_PKTS,
	  PF_LIMIT_ANCHORS, PF_LIMIT_MAX };

struct pfr_addr {
	union {
		struct in_addr	pfrau_ip4;
		struct in6_addr	pfrau_ip6;
	}		pfra_u;
	char		pfra_ifname[PFCOMPAT_IFNAMSIZ];
	uint32_t	pfra_states;
	uint16_t	pfra_weight;
	uint8_t		pfra_af;
	uint8_t		pfra_net;
	uint8_t		pfra_not;
	uint8_t		pfra_fback;
	uint8_t		pfra_type;
	uint8_t		pad[7];
};

#include "../../pfvar_common.h"

#endif
