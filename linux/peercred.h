/* The control socket's peer, the Linux way (the mx_port peer_cred hook). */
#ifndef MX_LINUX_PEERCRED_H
#define MX_LINUX_PEERCRED_H

#include <sys/types.h>

int	linux_peer_cred(int, uid_t *, gid_t *, pid_t *);

#endif
