/*
 * The recorder behind tests/pfcompat/freebsd/sys/capsicum.h: see
 * fake_capsicum.c.
 */
#ifndef FAKE_CAPSICUM_H
#define FAKE_CAPSICUM_H

#include <fcntl.h>

#define ENOTCAPABLE_FAKE	EPERM

/* A descriptor that is open: 1, else 0. */
#define fcntl_ok(fd)	(fcntl((fd), F_GETFD) != -1)

extern const char	*fake_cap_report;
extern int		 fake_cap_entered;

#endif
