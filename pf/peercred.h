/* The control socket's peer, the BSD way (the mx_port peer_cred hook). */
#ifndef MX_PF_PEERCRED_H
#define MX_PF_PEERCRED_H

#include <sys/types.h>

int	pf_peer_cred(int, uid_t *, gid_t *, pid_t *);

#endif
