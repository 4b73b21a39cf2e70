/*
 * The pflog link layer, and the other link layers a savefile may hold.
 *
 * pf logs a packet by prefixing it with a header of its own.  OpenBSD and
 * FreeBSD lay that header out differently (100 bytes on OpenBSD, 69 used
 * of 72 on FreeBSD) and number AF_INET6 differently, so the header is read
 * by byte offset from its length byte, the IP version is taken from the IP
 * header, and the header's af is only a cross-check.  A file logged on
 * either system can be read on any system.
 *
 * This only decodes; what pf's logged action means to the policy is
 * pfpolicy.c's business.
 */
#ifndef MX_PFLOG_H
#define MX_PFLOG_H

#include <stddef.h>
#include <stdint.h>

#include "packet.h"

#define PFLOG_ACTION_PASS	0
#define PFLOG_ACTION_DROP	1
#define PFLOG_DIR_IN		1
#define PFLOG_DIR_OUT		2

/* The shortest header any pf has written (the layout of OpenBSD 3.4). */
#define PFLOG_MIN_HDRLEN	45

struct pflog_info {
	uint8_t	hdrlen;		/* the length byte, as logged */
	uint8_t	af;		/* the logging system's family */
	uint8_t	action;		/* PFLOG_ACTION_PASS or _DROP */
	uint8_t	reason;
	uint8_t	dir;		/* PFLOG_DIR_IN or PFLOG_DIR_OUT */
	char	ifname[17];	/* NUL-terminated */
};

/*
 * Read the pflog header at the start of a captured packet.  Returns the
 * offset of the IP header (the length byte rounded up to a multiple of 4),
 * or -1 if the header is shorter than PFLOG_MIN_HDRLEN or not all captured.
 */
int	pflog_parse(const void *, size_t, struct pflog_info *);

/* The IP version an af value means on some system: 4, 6, or 0 (unknown). */
int	pflog_af_version(uint8_t);

/*
 * Link layers, for live capture (pflog only) and for replaying savefiles.
 * Mapping a pcap link type onto these is left to the code that includes
 * pcap.h, since some DLT_ numbers differ between systems.
 */
enum link_type {
	LINK_PFLOG,		/* pflog header, either layout */
	LINK_ETHER,		/* Ethernet II, with at most one VLAN tag */
	LINK_SLL,		/* Linux cooked capture, version 1 */
	LINK_SLL2,		/* Linux cooked capture, version 2 */
	LINK_NULL,		/* BSD loopback: a 4-byte address family */
	LINK_RAW,		/* IPv4 or IPv6, no header */
	LINK_IPV4,		/* IPv4 only, no header */
	LINK_IPV6		/* IPv6 only, no header */
};

/*
 * Decode one captured packet of the given link type: the pflog header
 * (zeroed for other link types) and the IP and TCP headers.  A broken
 * pflog header, or a pflog af that contradicts the IP header, makes the
 * packet PKT_MALFORMED; a frame that carries no IP is PKT_NOT_TCP.
 */
enum pkt_result	link_decode(enum link_type, const void *, size_t,
		    struct pflog_info *, struct pkt_info *);

#endif
