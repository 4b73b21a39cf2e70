/*
 * Who is on the other end of a control socket connection: Linux tells
 * through SO_PEERCRED, the process id too (the BSDs through getpeereid(3),
 * pf/peercred.c).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include "peercred.h"

int
linux_peer_cred(int fd, uid_t *uid, gid_t *gid, pid_t *pid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return -1;
	*uid = cred.uid;
	*gid = cred.gid;
	*pid = cred.pid;
	return 0;
}
