/*
 * A stand-in for FreeBSD's <sys/capsicum.h> in the Linux tests of the
 * FreeBSD layout: the calls the engine makes before cap_enter(), recorded
 * by tests/pfcompat/fake_capsicum.c instead of carried out.  The rights
 * are bits of our own (the real ones are two-word sets): the tests
 * compare them with these names only.
 */
#ifndef PFCOMPAT_SYS_CAPSICUM_H
#define PFCOMPAT_SYS_CAPSICUM_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	uint64_t	bits;
} cap_rights_t;

typedef unsigned long	cap_ioctl_t;

#define CAP_READ		(1ULL << 0)
#define CAP_WRITE		(1ULL << 1)
#define CAP_SEEK		(1ULL << 2)
#define CAP_FSTAT		(1ULL << 3)
#define CAP_FCNTL		(1ULL << 4)
#define CAP_FSYNC		(1ULL << 5)
#define CAP_EVENT		(1ULL << 6)
#define CAP_IOCTL		(1ULL << 7)
#define CAP_LOOKUP		(1ULL << 8)
#define CAP_CREATE		(1ULL << 9)
#define CAP_UNLINKAT		(1ULL << 10)
#define CAP_RENAMEAT_SOURCE	(1ULL << 11)
#define CAP_RENAMEAT_TARGET	(1ULL << 12)
#define CAP_ACCEPT		(1ULL << 13)
#define CAP_GETSOCKOPT		(1ULL << 14)
#define CAP_SHUTDOWN		(1ULL << 15)

/* FreeBSD's BIOCGSTATS: _IOR('B', 111, struct bpf_stat). */
#ifndef BIOCGSTATS
#define BIOCGSTATS		0x4008426fUL
#endif

/* As FreeBSD's: a macro over a function taking a 0-ended list. */
#define cap_rights_init(r, ...)	fake_cap_rights_init((r), __VA_ARGS__, 0ULL)

cap_rights_t	*fake_cap_rights_init(cap_rights_t *, ...);
int		 cap_rights_limit(int, const cap_rights_t *);
int		 cap_ioctls_limit(int, const cap_ioctl_t *, size_t);
int		 cap_enter(void);

#endif
