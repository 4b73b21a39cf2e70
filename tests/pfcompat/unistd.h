/*
 * glibc has no getpeereid(3), which the BSDs' <unistd.h> declares: the
 * pf code built on Linux finds it here, and fake_peereid.c provides it.
 */
#include_next <unistd.h>

#ifndef PFCOMPAT_UNISTD_H
#define PFCOMPAT_UNISTD_H

int	getpeereid(int, uid_t *, gid_t *);

#endif
