/*
 * A stand-in for /dev/pf in tests: the table ioctls on tables kept in
 * memory.  Every request is checked as strictly as the kernel would, and
 * more (see fake_pf.c); a request that breaks a rule counts in
 * fake_pf_bad, with the reason in fake_pf_why.  Point pfk_ioctl at
 * fake_pf_ioctl and use FAKE_PF_FD as the descriptor (or set fake_pf_fd
 * to -1 to take any).  Point pfk_open_device at fake_pf_open for
 * descriptors whose access mode the fake knows (write requests on one
 * opened read-only fail with EACCES), and pfk_sysctl at
 * fake_pf_sysctlbyname for net.pf.request_maxcount (FreeBSD layout only).
 */
#ifndef FAKE_PF_H
#define FAKE_PF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAKE_PF_FD		42
#define FAKE_PF_MAXCALLS	4096

struct fake_pf_call {
	unsigned long	cmd;
	int		size;
	int		err;		/* 0, or what the call failed with */
};

extern struct fake_pf_call fake_pf_calls[FAKE_PF_MAXCALLS];
extern size_t		fake_pf_ncalls;
extern unsigned		fake_pf_bad;
extern char		fake_pf_why[256];
extern int64_t		fake_pf_time;		/* wall clock for tzero */
/* Longest request, 0: none; FreeBSD: net.pf.request_maxcount, 65535. */
extern int		fake_pf_maxcount;
/* "set limit table-entries": all tables together, PFR_KENTRY_HIWAT. */
extern unsigned		fake_pf_table_entries;
extern int		fake_pf_sysctl_error;	/* sysctl fails with it; 0 */
extern int		fake_pf_fd;		/* FAKE_PF_FD; -1: any */
extern unsigned		fake_pf_net4, fake_pf_net6;	/* expected */
extern bool		fake_pf_net_any;	/* any prefix (allow lists) */

void	fake_pf_reset(const char *);
int	fake_pf_ioctl(int, unsigned long, void *);
int	fake_pf_open(const char *, int);
int	fake_pf_mode(int);
int	fake_pf_sysctlbyname(const char *, void *, size_t *, const void *,
	    size_t);
void	fake_pf_fail(unsigned long, int, int);
bool	fake_pf_destroy(const char *);
bool	fake_pf_exists(const char *);
size_t	fake_pf_count(const char *);
size_t	fake_pf_total(void);
bool	fake_pf_contains(const char *, int, const char *, unsigned);
int	fake_pf_insert(const char *, int, const char *, unsigned, int64_t,
	    bool);
size_t	fake_pf_ncmd(unsigned long);
void	fake_pf_clear_calls(void);

#endif
