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
