/*
 * Who is on the other end of a control socket connection: the BSDs tell
 * through getpeereid(3) (Linux through SO_PEERCRED, linux/peercred.c).
 */
#include <sys/types.h>
#include <sys/socket.h>		/* OpenBSD declares getpeereid() here */

#include <unistd.h>		/* and FreeBSD here */

#include "peercred.h"

int
pf_peer_cred(int fd, uid_t *uid, gid_t *gid)
{
	return getpeereid(fd, uid, gid);
}
