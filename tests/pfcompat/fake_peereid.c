/* getpeereid(3) for the pf code built on Linux, through SO_PEERCRED. */
#include <sys/types.h>
#include <sys/socket.h>

#include <unistd.h>

int
getpeereid(int fd, uid_t *uid, gid_t *gid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return -1;
	*uid = cred.uid;
	*gid = cred.gid;
	return 0;
}
