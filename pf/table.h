/*
 * The pf table that holds the whitelisted senders.
 *
 * Two layers.  The kernel layer (pfk_*) turns one request into one ioctl
 * on /dev/pf; it is the only code that knows struct pfioc_table and
 * struct pfr_addr.  The table client (pft_*) sits above it and keeps the
 * table in step with the whitelist: it creates the table, adopts what an
 * earlier run left there, gathers additions and deletions and sends them
 * in batches, and puts the table back when a pf reload has destroyed it.
 *
 * The client reaches the kernel through a pft_exec_fn: pfk_exec() when it
 * holds /dev/pf itself (start-up, tests), or the privilege separation
 * channel (privsep.c), whose requests are the struct pft_request below.
 */
#ifndef MX_PF_TABLE_H
#define MX_PF_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "whitelist.h"

#define PFT_NAME_SIZE	32	/* PF_TABLE_NAME_SIZE: name and NUL */
#define PFT_BATCH	256	/* most addresses in one request */
#define PFT_HOST	128	/* prefix of a single address, 128-bit form */
#define PFT_DEVICE	"/dev/pf"

enum pft_op {
	PFT_OP_ADDTABLE = 1,	/* create the table, persistent */
	PFT_OP_ADD,		/* add addresses */
	PFT_OP_DEL		/* delete addresses */
};

/* One table entry in a form of our own, independent of the system. */
struct pft_addr {
	uint8_t		af;		/* 4 or 6 */
	uint8_t		net;		/* prefix length within the family */
	uint8_t		pad[2];		/* zero */
	uint8_t		addr[16];	/* IPv4: the first 4 bytes, rest zero */
};

struct pft_request {
	uint32_t	op;		/* enum pft_op */
	uint32_t	count;		/* addresses that follow */
	char		table[PFT_NAME_SIZE];	/* NUL-terminated */
	struct pft_addr	addrs[PFT_BATCH];
};

/* Bytes of a request that carries n addresses. */
#define PFT_REQUEST_SIZE(n)	\
	(offsetof(struct pft_request, addrs) + (n) * sizeof(struct pft_addr))

/*
 * Carry out one request.  Returns 0 or an errno value; on success sets
 * *changed to the number of addresses (or tables) added or deleted.
 */
typedef int	pft_exec_fn(void *, const struct pft_request *, int *);

/* An entry as found in the table: address, negation, insertion time. */
struct pft_astat {
	struct pft_addr	a;
	bool		negated;
	int64_t		tzero;		/* wall-clock seconds */
};

/*
 * What pf holds and carries, read once at start-up (pfk_get_limits()).
 * room is what one table may hold of table_entries without trouble: all
 * of it on FreeBSD, which refuses an addition past the limit (ENOMEM);
 * PFT_BATCH less on OpenBSD, which takes an entry for every address of
 * an addition before it looks, and waits at the limit until entries are
 * freed (add_waits), holding every other pf request up meanwhile.
 */
struct pfk_limits {
	uint64_t	table_entries;	/* of all tables together; 0: unknown */
	uint64_t	room;		/* for one table; 0: unknown */
	uint64_t	request_max;	/* entries in or out of one request
					   (FreeBSD); 0: no cap, or unknown */
	bool		add_waits;	/* OpenBSD: see above */
};

#define PFK_REQUEST_MAXCOUNT	"net.pf.request_maxcount"

/*
 * The kernel layer.  Every ioctl goes through pfk_ioctl, pfk_open() opens
 * pfk_device (PFT_DEVICE) with pfk_open_device, and FreeBSD's request cap
 * is read with pfk_sysctl (NULL elsewhere): tests point them at a
 * stand-in for pf.
 */
typedef int	pfk_ioctl_fn(int, unsigned long, void *);
typedef int	pfk_open_fn(const char *, int);
typedef int	pfk_sysctl_fn(const char *, void *, size_t *, const void *,
		    size_t);
extern pfk_ioctl_fn *pfk_ioctl;
extern pfk_open_fn *pfk_open_device;
extern pfk_sysctl_fn *pfk_sysctl;
extern const char *pfk_device;

int	pfk_open(void);
int	pfk_exec(int, const struct pft_request *, int *);
pft_exec_fn pfk_exec_fd;		/* argument: an int * to the fd */
int	pfk_get_astats(int, const char *, uint64_t, struct pft_astat **,
	    size_t *);
int	pfk_get_limits(int, struct pfk_limits *);

bool	pft_name_valid(const char *);

/* Conversions between the core's addresses and table entries. */
bool	pft_addr_make(struct pft_addr *, const struct mx_addr *, unsigned);
void	pft_addr_get(const struct pft_addr *, struct mx_addr *, unsigned *);
bool	pft_addr_valid(const struct pft_addr *);
const char *pft_addr_format(const struct pft_addr *, char *, size_t);
#define PFT_ADDRSTRLEN	(MX_ADDRSTRLEN + 4)

/* The table client. */
struct pftable;

struct pftable *pft_create(const char *, struct whitelist *, pft_exec_fn *,
	    void *);
void	pft_destroy(struct pftable *);
int	pft_rename(struct pftable *, const char *);
void	pft_set_exec(struct pftable *, pft_exec_fn *, void *);
void	pft_set_error_counter(struct pftable *, uint64_t *);
void	pft_set_prefixes(struct pftable *, unsigned, unsigned);
void	pft_set_request_max(struct pftable *, uint64_t);
int	pft_ensure(struct pftable *);
size_t	pft_adopt(struct pftable *, const struct pft_astat *, size_t,
	    int64_t, int64_t, int64_t);
void	pft_add(struct pftable *, const struct mx_addr *, unsigned);
void	pft_del(struct pftable *, const struct mx_addr *, unsigned);
void	pft_flush(struct pftable *);
size_t	pft_pending(const struct pftable *);
int	pft_restore(struct pftable *);

#endif
