/*
 * What the OpenBSD and FreeBSD <net/pfvar.h> share of the table interface,
 * for the stand-ins in openbsd/ and freebsd/: names, flags, struct
 * pfr_table, struct pfioc_table and struct pfioc_limit (the same on both),
 * and the ioctl numbers.  Written from the documented layout; the numbers
 * come from the host's _IOWR, which encodes them as the BSDs do (checked
 * in layout.h).  The including header defines struct pfr_addr and the
 * PF_LIMIT_* indices, which differ, before this one.
 */
#ifndef PFCOMPAT_PFVAR_COMMON_H
#define PFCOMPAT_PFVAR_COMMON_H

#include <sys/types.h>
#include <sys/ioctl.h>
#include <netinet/in.h>

#include <stdint.h>
#include <time.h>

#define PF_TABLE_NAME_SIZE	32
#define PFCOMPAT_ANCHOR_SIZE	1024	/* MAXPATHLEN, PATH_MAX on both */

#define PFR_TFLAG_PERSIST	0x00000001
#define PFR_TFLAG_CONST		0x00000002
#define PFR_TFLAG_ACTIVE	0x00000004

/* The default of "set limit table-entries", all tables together. */
#define PFR_KENTRY_HIWAT	200000

struct pfr_table {
	char		pfrt_anchor[PFCOMPAT_ANCHOR_SIZE];
	char		pfrt_name[PF_TABLE_NAME_SIZE];
	uint32_t	pfrt_flags;
	uint8_t		pfrt_fback;
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

/* One of pf's limits: index PF_LIMIT_*, and its value. */
struct pfioc_limit {
	int		index;
	unsigned	limit;
};

#define pfra_ip4addr	pfra_u.pfrau_ip4
#define pfra_ip6addr	pfra_u.pfrau_ip6

/* Per-address statistics: PFCOMPAT_OPS counters per direction. */
struct pfr_astats {
	struct pfr_addr	pfras_a;
	uint64_t	pfras_packets[2][PFCOMPAT_OPS];
	uint64_t	pfras_bytes[2][PFCOMPAT_OPS];
	time_t		pfras_tzero;
};

#define DIOCGETLIMIT	_IOWR('D', 39, struct pfioc_limit)
#define DIOCRADDTABLES	_IOWR('D', 61, struct pfioc_table)
#define DIOCRADDADDRS	_IOWR('D', 67, struct pfioc_table)
#define DIOCRDELADDRS	_IOWR('D', 68, struct pfioc_table)
#define DIOCRSETADDRS	_IOWR('D', 69, struct pfioc_table)
#define DIOCRGETADDRS	_IOWR('D', 70, struct pfioc_table)
#define DIOCRGETASTATS	_IOWR('D', 71, struct pfioc_table)
#define DIOCRTSTADDRS	_IOWR('D', 73, struct pfioc_table)

#include "layout.h"

#endif
