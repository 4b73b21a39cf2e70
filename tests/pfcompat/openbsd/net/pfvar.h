/*
 * A stand-in for OpenBSD's <net/pfvar.h>, for building and testing the pf
 * table code on other systems: only the table interface, laid out as on
 * OpenBSD/amd64 (see ../../layout.h for the numbers it is held to).
 * Written from the documented layout; the ioctl numbers come from the
 * host's _IOWR, which encodes them as the BSDs do (checked below).
 */
#ifndef PFCOMPAT_OPENBSD_PFVAR_H
#define PFCOMPAT_OPENBSD_PFVAR_H

#include <sys/types.h>
#include <sys/ioctl.h>
#include <netinet/in.h>

#include <stdint.h>
#include <time.h>

#define PFCOMPAT_OPENBSD	1
#define PFCOMPAT_OS		"openbsd"

#define PF_TABLE_NAME_SIZE	32
#define PFCOMPAT_ANCHOR_SIZE	1024	/* PATH_MAX on OpenBSD */
#define PFCOMPAT_IFNAMSIZ	16

#define PFR_TFLAG_PERSIST	0x00000001
#define PFR_TFLAG_CONST		0x00000002
#define PFR_TFLAG_ACTIVE	0x00000004

struct pfr_table {
	char		pfrt_anchor[PFCOMPAT_ANCHOR_SIZE];
	char		pfrt_name[PF_TABLE_NAME_SIZE];
	uint32_t	pfrt_flags;
	uint8_t		pfrt_fback;
};

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
#define pfra_ip4addr	pfra_u.pfrau_ip4
#define pfra_ip6addr	pfra_u.pfrau_ip6

/* Directions, and block/match/pass: OpenBSD counts matches too. */
#define PFCOMPAT_DIRS	2
#define PFCOMPAT_OPS	3

struct pfr_astats {
	struct pfr_addr	pfras_a;
	uint64_t	pfras_packets[PFCOMPAT_DIRS][PFCOMPAT_OPS];
	uint64_t	pfras_bytes[PFCOMPAT_DIRS][PFCOMPAT_OPS];
	time_t		pfras_tzero;
};

struct pfioc_table {
	struct pfr_table pfrio_table;
	void		*pfrio_buffer;
	int		 pfrio_esize;
	int		 pfrio_size;
	int		 pfrio_size2;
	int		 pfrio_nadd;
	int		 pfrio_ndel;
	int		 pfrio_nchange;
	int		 pfrio_flags;
	uint32_t	 pfrio_ticket;
};

#define DIOCRADDTABLES	_IOWR('D', 61, struct pfioc_table)
#define DIOCRADDADDRS	_IOWR('D', 67, struct pfioc_table)
#define DIOCRDELADDRS	_IOWR('D', 68, struct pfioc_table)
#define DIOCRSETADDRS	_IOWR('D', 69, struct pfioc_table)
#define DIOCRGETADDRS	_IOWR('D', 70, struct pfioc_table)
#define DIOCRGETASTATS	_IOWR('D', 71, struct pfioc_table)
#define DIOCRTSTADDRS	_IOWR('D', 73, struct pfioc_table)

#include "../../layout.h"

#endif
