/*
 * The pf table layouts on x86_64, as numbers: what the compatibility
 * headers in openbsd/ and freebsd/ must reproduce, and what the systems'
 * own <net/pfvar.h> is checked against (layout_check.c, through
 * tests/scripts/pfcompat.sh).  Include after a <net/pfvar.h>, with
 * PFCOMPAT_OPENBSD or PFCOMPAT_FREEBSD defined, or on that system.
 */
#ifndef PFCOMPAT_LAYOUT_H
#define PFCOMPAT_LAYOUT_H

#include <stddef.h>

#if defined(PFCOMPAT_OPENBSD) || \
    (defined(__OpenBSD__) && !defined(PFCOMPAT_FREEBSD))
#define PFL_ADDR_SIZE		52
#define PFL_ADDR_AF		38
#define PFL_ADDR_NET		39
#define PFL_ADDR_NOT		40
#define PFL_ADDR_FBACK		41
#define PFL_ASTATS_SIZE		160
#define PFL_ASTATS_TZERO	152
#define PFL_LIMIT_TABLE_ENTRIES	4	/* after PF_LIMIT_TABLES */
#elif defined(PFCOMPAT_FREEBSD) || defined(__FreeBSD__)
#define PFL_ADDR_SIZE		20
#define PFL_ADDR_AF		16
#define PFL_ADDR_NET		17
#define PFL_ADDR_NOT		18
#define PFL_ADDR_FBACK		19
#define PFL_ASTATS_SIZE		96
#define PFL_ASTATS_TZERO	88
#define PFL_LIMIT_TABLE_ENTRIES	3	/* FreeBSD has no PF_LIMIT_TABLES */
#else
#error "which pf layout?"
#endif

#define PFL_ASSERT(what)	_Static_assert(what, #what)

PFL_ASSERT(sizeof(struct pfr_table) == 1064);
PFL_ASSERT(offsetof(struct pfr_table, pfrt_anchor) == 0);
PFL_ASSERT(offsetof(struct pfr_table, pfrt_name) == 1024);
PFL_ASSERT(offsetof(struct pfr_table, pfrt_flags) == 1056);
PFL_ASSERT(offsetof(struct pfr_table, pfrt_fback) == 1060);

PFL_ASSERT(sizeof(struct pfr_addr) == PFL_ADDR_SIZE);
PFL_ASSERT(offsetof(struct pfr_addr, pfra_u) == 0);
PFL_ASSERT(sizeof(((struct pfr_addr *)0)->pfra_u) == 16);
PFL_ASSERT(offsetof(struct pfr_addr, pfra_af) == PFL_ADDR_AF);
PFL_ASSERT(offsetof(struct pfr_addr, pfra_net) == PFL_ADDR_NET);
PFL_ASSERT(offsetof(struct pfr_addr, pfra_not) == PFL_ADDR_NOT);
PFL_ASSERT(offsetof(struct pfr_addr, pfra_fback) == PFL_ADDR_FBACK);

PFL_ASSERT(sizeof(struct pfr_astats) == PFL_ASTATS_SIZE);
PFL_ASSERT(offsetof(struct pfr_astats, pfras_a) == 0);
PFL_ASSERT(offsetof(struct pfr_astats, pfras_tzero) == PFL_ASTATS_TZERO);
PFL_ASSERT(sizeof(((struct pfr_astats *)0)->pfras_tzero) == 8);

PFL_ASSERT(sizeof(struct pfioc_table) == 1104);
PFL_ASSERT(offsetof(struct pfioc_table, pfrio_table) == 0);
PFL_ASSERT(offsetof(struct pfioc_table, pfrio_buffer) == 1064);
PFL_ASSERT(offsetof(struct pfioc_table, pfrio_esize) == 1072);
PFL_ASSERT(offsetof(struct pfioc_table, pfrio_size) == 1076);
PFL_ASSERT(offsetof(struct pfioc_table, pfrio_size2) == 1080);
PFL_ASSERT(offsetof(struct pfioc_table, pfrio_nadd) == 1084);
PFL_ASSERT(offsetof(struct pfioc_table, pfrio_ndel) == 1088);
PFL_ASSERT(offsetof(struct pfioc_table, pfrio_nchange) == 1092);
PFL_ASSERT(offsetof(struct pfioc_table, pfrio_flags) == 1096);
PFL_ASSERT(offsetof(struct pfioc_table, pfrio_ticket) == 1100);

PFL_ASSERT(sizeof(struct pfioc_limit) == 8);
PFL_ASSERT(offsetof(struct pfioc_limit, index) == 0);
PFL_ASSERT(offsetof(struct pfioc_limit, limit) == 4);
PFL_ASSERT(sizeof(((struct pfioc_limit *)0)->limit) == 4);
PFL_ASSERT(PF_LIMIT_TABLE_ENTRIES == PFL_LIMIT_TABLE_ENTRIES);
PFL_ASSERT(PFR_KENTRY_HIWAT == 200000);

PFL_ASSERT(PFR_TFLAG_PERSIST == 0x1);
PFL_ASSERT(PF_TABLE_NAME_SIZE == 32);

/* _IOWR('D', 39, struct pfioc_limit), the same on both systems. */
PFL_ASSERT(DIOCGETLIMIT == 0xc0084427UL);

/* _IOWR('D', n, struct pfioc_table): the same numbers on both systems. */
PFL_ASSERT(DIOCRADDTABLES == 0xc450443dUL);
PFL_ASSERT(DIOCRADDADDRS == 0xc4504443UL);
PFL_ASSERT(DIOCRDELADDRS == 0xc4504444UL);
PFL_ASSERT(DIOCRSETADDRS == 0xc4504445UL);
PFL_ASSERT(DIOCRGETADDRS == 0xc4504446UL);
PFL_ASSERT(DIOCRGETASTATS == 0xc4504447UL);
PFL_ASSERT(DIOCRTSTADDRS == 0xc4504449UL);

#endif
