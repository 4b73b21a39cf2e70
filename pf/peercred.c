/*
 * Who is on the other end of a control socket connection: OpenBSD tells
 * through SO_PEERCRED, the process id too (what its getpeereid(3) calls,
 * so pledge "unix" allows it); the other BSDs through getpeereid(3),
 * which has no process id (Linux: linux/peercred.c).
 */
#include <sys/types.h>
#include <sys/socket.h>		/* OpenBSD declares getpeereid() here */

#include <unistd.h>		/* and FreeBSD here */

#include "peercred.h"

int
pf_peer_cred(int fd, uid_t *uid, gid_t *gid, pid_t *pid)
{
#if defined(__OpenBSD__) && defined(SO_PEERCRED)
	struct sockpeercred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return -1;
	*uid = cred.uid;
	*gid = cred.gid;
	*pid = cred.pid;
	return 0;
#else
	*pid = -1;
	return getpeereid(fd, uid, gid);
#endif
}
