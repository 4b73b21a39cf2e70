/*
 * The control socket's server in this process, on a socket in a
 * temporary directory, with a handler of the test's own: an answer, a
 * stale socket replaced and a live one refused, an overlong request, too
 * many clients, an idle client, and a client that never reads its
 * answer; none of them may hold up the others.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "control_proto.h"
#include "t.h"

static char path[100];
static size_t handled;

/* "big": more than any socket buffer holds; "fail": an error. */
static int
handler(void *arg, const char *line, size_t len, struct ctl_out *out,
    char *err, size_t errlen)
{
	size_t i;

	(void)arg;
	handled++;
	if (len == 3 && memcmp(line, "big", 3) == 0) {
		for (i = 0; i < 200000; i++)
			ctl_printf(out, "line %zu of a long answer\n", i);
		return 0;
	}
	if (len == 3 && memcmp(line, "who", 3) == 0) {
		if (out->peer == NULL || !out->peer->known)
			ctl_printf(out, "unknown\n");
		else
			ctl_printf(out, "uid %ld gid %ld pid %ld\n",
			    (long)out->peer->uid, (long)out->peer->gid,
			    (long)out->peer->pid);
		return 0;
	}
	if (len == 4 && memcmp(line, "fail", 4) == 0) {
		snprintf(err, errlen, "as asked");
		return -1;
	}
	ctl_printf(out, "echo %.*s\n", (int)len, line);
	return 0;
}

/* The port's peer_cred hook, as the ports do it. */
static int
peer_cred(int fd, uid_t *uid, gid_t *gid, pid_t *pid)
{
#ifdef __linux__
	struct ucred cred;
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

static int64_t
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Serve for ms milliseconds, as the daemon's loop does. */
static void
pump(struct control *c, int ms)
{
	struct pollfd pfd[1 + CTL_CLIENTS_MAX];
	int64_t end = ms_now() + ms;
	size_t n;
	int t;

	while (ms_now() < end) {
		n = control_pollfds(c, pfd, 1 + CTL_CLIENTS_MAX);
		t = control_timeout(c, (int)(end - ms_now()));
		if (poll(pfd, n, t < 0 ? 0 : t) == -1)
			break;
		control_serve(c, pfd, n);
	}
}

static int
dial(void)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Everything the server sends until it closes, served meanwhile. */
static size_t
collect(struct control *c, int fd, char *buf, size_t len)
{
	size_t have = 0;
	ssize_t n;
	int i;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	for (i = 0; i < 200; i++) {
		pump(c, 10);
		while ((n = read(fd, buf + have, len - 1 - have)) > 0)
			have += (size_t)n;
		if (n == 0)
			break;
	}
	buf[have] = '\0';
	return have;
}

static bool
closed_by_peer(int fd)
{
	char b[4096];
	ssize_t n;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	while ((n = read(fd, b, sizeof(b))) > 0)
		;
	return n == 0 || (n == -1 && errno == ECONNRESET);
}

int
main(void)
{
	char dir[] = "/tmp/test_control.XXXXXX", err[256], buf[8192];
	struct control *c, *c2;
	struct stat sb;
	int fd, fds[CTL_CLIENTS_MAX + 1], idle, lazy, i;
	bool all;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);

	c = control_open(path, 0660, (uid_t)-1, (gid_t)-1, err, sizeof(err));
	CHECK(c != NULL, "socket made (%s)", c ? "" : err);
	if (c == NULL)
		return T_DONE();
	control_set_handler(c, handler, NULL);
	CHECK(stat(path, &sb) == 0 && S_ISSOCK(sb.st_mode) &&
	    (sb.st_mode & 0777) == 0660, "a socket, mode 0660");

	c2 = control_open(path, 0660, (uid_t)-1, (gid_t)-1, err, sizeof(err));
	CHECK(c2 == NULL && strstr(err, "is in use: is mxallowd already "
	    "running?") != NULL, "a live socket is not replaced: %s", err);

	fd = dial();
	CHECK(fd != -1 && write(fd, "hello\n", 6) == 6, "a request sent");
	collect(c, fd, buf, sizeof(buf));
	CHECK(strcmp(buf, "echo hello\nend\n") == 0, "answer, end marker, "
	    "closed");
	close(fd);

	/* Who asked: no peer hook, unknown; with it, this process. */
	fd = dial();
	(void)!write(fd, "who\n", 4);
	collect(c, fd, buf, sizeof(buf));
	CHECK(strcmp(buf, "unknown\nend\n") == 0, "without a peer hook the "
	    "handler hears of an unknown peer");
	close(fd);
	control_set_peer(c, peer_cred);
	fd = dial();
	(void)!write(fd, "who\n", 4);
	collect(c, fd, buf, sizeof(buf));
	{
		char want[128];

#ifdef __linux__
		snprintf(want, sizeof(want), "uid %ld gid %ld pid %ld\nend\n",
		    (long)geteuid(), (long)getegid(), (long)getpid());
#else
		snprintf(want, sizeof(want), "uid %ld gid %ld pid -1\nend\n",
		    (long)geteuid(), (long)getegid());
#endif
		CHECK(strcmp(buf, want) == 0, "the handler gets the peer's "
		    "credentials: %s", buf);
	}
	close(fd);

	fd = dial();
	(void)!write(fd, "fail\n", 5);
	collect(c, fd, buf, sizeof(buf));
	CHECK(strcmp(buf, "error: as asked\nend\n") == 0, "an error line");
	close(fd);

	/* In pieces, the line cut anywhere. */
	fd = dial();
	(void)!write(fd, "hel", 3);
	pump(c, 20);
	(void)!write(fd, "lo again\nignored", 16);
	collect(c, fd, buf, sizeof(buf));
	CHECK(strcmp(buf, "echo hello again\nend\n") == 0, "a request in "
	    "pieces");
	close(fd);

	/* Overlong: an error line, and closed, with no handler call. */
	handled = 0;
	fd = dial();
	memset(buf, 'x', 2000);
	(void)!write(fd, buf, 2000);
	collect(c, fd, buf, sizeof(buf));
	CHECK(strstr(buf, "error: request longer than 1023 bytes\nend\n") ==
	    buf && handled == 0, "an overlong request refused");
	close(fd);

	/* Too many: the one past CTL_CLIENTS_MAX is told so, the others wait. */
	for (i = 0; i < CTL_CLIENTS_MAX + 1; i++)
		fds[i] = dial();
	pump(c, 50);
	CHECK(control_clients(c) == CTL_CLIENTS_MAX, "%d clients served",
	    CTL_CLIENTS_MAX);
	collect(c, fds[CTL_CLIENTS_MAX], buf, sizeof(buf));
	CHECK(strcmp(buf, "error: too many clients\nend\n") == 0,
	    "one more is refused");
	all = true;
	for (i = 0; i < CTL_CLIENTS_MAX; i++) {
		(void)!write(fds[i], "n\n", 2);
		collect(c, fds[i], buf, sizeof(buf));
		all = all && strcmp(buf, "echo n\nend\n") == 0;
	}
	CHECK(all, "the others are answered");
	for (i = 0; i < CTL_CLIENTS_MAX + 1; i++)
		close(fds[i]);
	CHECK(control_clients(c) == 0, "every slot free again");

	/* Idle and lazy clients are dropped; others are served meanwhile. */
	/*
	 * Long enough for the steps below under valgrind on a loaded
	 * machine too (2 s was not, in a fresh root).
	 */
	control_set_idle(c, 6000);
	idle = dial();
	lazy = dial();
	(void)!write(lazy, "big\n", 4);
	pump(c, 50);
	fd = dial();
	(void)!write(fd, "meanwhile\n", 10);
	collect(c, fd, buf, sizeof(buf));
	CHECK(strcmp(buf, "echo meanwhile\nend\n") == 0, "served while an "
	    "idle and a non-reading client wait");
	close(fd);
	CHECK(control_clients(c) == 2, "both still connected");
	pump(c, 6500);
	CHECK(control_clients(c) == 0, "both dropped after the idle time");
	CHECK(closed_by_peer(idle), "the idle client's connection closed");
	CHECK(closed_by_peer(lazy), "the non-reading client's closed");
	close(idle);
	close(lazy);

	/* A client that reads slowly but steadily gets all of it. */
	control_set_idle(c, 10000);
	fd = dial();
	(void)!write(fd, "big\n", 4);
	{
		size_t total = 0;
		ssize_t n;
		char tail[8] = "";

		fcntl(fd, F_SETFL, O_NONBLOCK);
		for (i = 0; i < 2000; i++) {
			pump(c, 5);
			while ((n = read(fd, buf, sizeof(buf))) > 0) {
				total += (size_t)n;
				if (n >= 4)
					memcpy(tail, buf + n - 4, 4);
			}
			if (n == 0)
				break;
		}
		CHECK(n == 0 && strcmp(tail, "end\n") == 0 && total > 4000000,
		    "a long answer arrives whole (%zu bytes)", total);
	}
	close(fd);

	control_close(c, true);
	CHECK(stat(path, &sb) == -1 && errno == ENOENT, "socket file removed");

	/* A stale socket file: bound, never listened on, closed. */
	{
		struct sockaddr_un sun;

		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		CHECK(bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0,
		    "a stale socket file left");
		close(fd);
	}
	c = control_open(path, 0660, (uid_t)-1, (gid_t)-1, err, sizeof(err));
	CHECK(c != NULL, "a stale socket file is replaced");
	control_close(c, false);
	CHECK(stat(path, &sb) == 0, "control_close(false) leaves the file");
	unlink(path);

	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	c = control_open(path, 0660, (uid_t)-1, (gid_t)-1, err, sizeof(err));
	CHECK(c == NULL && strstr(err, "not a socket") != NULL,
	    "a file that is no socket is left alone: %s", err);
	unlink(path);
	rmdir(dir);
	return T_DONE();
}
