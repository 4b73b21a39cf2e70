/*
 * The control socket's server (control.h).  Every descriptor is
 * non-blocking; each client is a small state machine: read a line, hand
 * it to the handler, write the answer, close.  The loop polls the
 * listener and every client (control_pollfds()), then lets us act on
 * what poll(2) found (control_serve()); deadlines are on the monotonic
 * clock, in milliseconds.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "control.h"
#include "control_proto.h"
#include "log.h"

struct ctl_client {
	int		 fd;		/* -1: a free slot */
	int64_t		 deadline;	/* ms: dropped if no progress by then */
	size_t		 inlen;
	char		 in[CTL_LINE_MAX];
	struct ctl_out	 out;
	struct ctl_peer	 peer;		/* out.peer points here */
	size_t		 sent;
	bool		 answering;	/* the line is in, out is being sent */
};

struct control {
	int		 fd;
	char		*path;
	int		 idle_ms;
	ctl_handler	*handler;
	void		*arg;
	ctl_peer_fn	*peer;
	size_t		 nclients;
	struct ctl_client clients[CTL_CLIENTS_MAX];
};

static void
out_append(struct ctl_out *out, const char *s, size_t n)
{
	size_t cap;
	char *grown;

	if (out->full)
		return;
	if (out->len + n > CTL_OUTPUT_MAX) {
		out->full = true;
		return;
	}
	if (out->len + n > out->cap) {
		for (cap = out->cap ? out->cap : 256; cap < out->len + n;
		    cap *= 2)
			;
		if (cap > CTL_OUTPUT_MAX)
			cap = CTL_OUTPUT_MAX;
		if ((grown = realloc(out->buf, cap)) == NULL) {
			out->full = true;
			return;
		}
		out->buf = grown;
		out->cap = cap;
	}
	memcpy(out->buf + out->len, s, n);
	out->len += n;
}

void
ctl_printf(struct ctl_out *out, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	out_append(out, line, (size_t)n < sizeof(line) ? (size_t)n :
	    sizeof(line) - 1);
}

/*
 * Is something answering on path?  A socket file left by a run that
 * ended without removing it refuses connections; a live daemon accepts.
 */
static bool
in_use(const struct sockaddr_un *sun)
{
	int fd;
	bool used;

	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return false;
	used = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	return used;
}

static int
set_flags(int fd)
{
	int fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		return -1;
	return 0;
}

/*
 * Create, bind and listen on path, mode mode, group gid (unless it is
 * (gid_t)-1, or we are not root); owner uid likewise.  A stale socket
 * file is replaced; one a daemon answers on is not.  Returns NULL with
 * the reason in err.
 */
struct control *
control_open(const char *path, mode_t mode, uid_t uid, gid_t gid, char *err,
    size_t errlen)
{
	struct sockaddr_un sun;
	struct control *c;
	struct stat sb;
	mode_t old;
	size_t i;
	int fd, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		seterr(err, errlen, "control socket %s: name too long", path);
		return NULL;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (lstat(path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode)) {
			seterr(err, errlen, "control socket %s: exists and "
			    "is not a socket", path);
			return NULL;
		}
		if (in_use(&sun)) {
			seterr(err, errlen, "control socket %s is in use: is "
			    "mxallowd already running?", path);
			return NULL;
		}
		if (unlink(path) == -1) {
			seterr(err, errlen, "control socket %s: unlink: %s",
			    path, strerror(errno));
			return NULL;
		}
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1) {
		seterr(err, errlen, "control socket: %s", strerror(errno));
		return NULL;
	}
	/* No moment with wider permissions than asked for. */
	old = umask(~mode & 0777);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc == -1 || set_flags(fd) == -1 ||
	    (geteuid() == 0 && (uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    chown(path, uid, gid) == -1) || chmod(path, mode) == -1 ||
	    listen(fd, CTL_CLIENTS_MAX) == -1) {
		seterr(err, errlen, "control socket %s: %s", path,
		    strerror(errno));
		if (rc == 0)
			unlink(path);
		close(fd);
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->path = strdup(path)) == NULL) {
		free(c);
		unlink(path);
		close(fd);
		seterr(err, errlen, "control socket: out of memory");
		return NULL;
	}
	c->fd = fd;
	c->idle_ms = CTL_IDLE_MS;
	for (i = 0; i < CTL_CLIENTS_MAX; i++)
		c->clients[i].fd = -1;
	return c;
}

void
control_set_handler(struct control *c, ctl_handler *handler, void *arg)
{
	c->handler = handler;
	c->arg = arg;
}

void
control_set_peer(struct control *c, ctl_peer_fn *peer)
{
	c->peer = peer;
}

/* The idle time, for the tests. */
void
control_set_idle(struct control *c, int ms)
{
	c->idle_ms = ms;
}

int
control_fd(const struct control *c)
{
	return c->fd;
}

size_t
control_clients(const struct control *c)
{
	return c->nclients;
}

static void
drop(struct control *c, struct ctl_client *cl)
{
	close(cl->fd);
	free(cl->out.buf);
	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
	c->nclients--;
}

/* One full line of bytes waiting: refused, a short line, no client. */
static void
refuse(int fd, const char *why)
{
	char line[128];
	int n;

	n = snprintf(line, sizeof(line), CTL_ERROR "%s\n" CTL_END "\n", why);
	/* Best effort: a fresh socket's buffer takes a line. */
	(void)!write(fd, line, (size_t)n);
	close(fd);
}

static void
accept_clients(struct control *c)
{
	struct ctl_client *cl;
	struct ctl_peer peer;
	size_t i;
	int fd;

	while ((fd = accept(c->fd, NULL, NULL)) != -1) {
		if (set_flags(fd) == -1) {
			close(fd);
			continue;
		}
		/* Asked now: the handler logs it with a request. */
		memset(&peer, 0, sizeof(peer));
		peer.pid = -1;
		peer.known = c->peer != NULL &&
		    c->peer(fd, &peer.uid, &peer.gid, &peer.pid) == 0;
		if (c->nclients == CTL_CLIENTS_MAX) {
			log_debug("control: %d clients already: refused",
			    CTL_CLIENTS_MAX);
			refuse(fd, "too many clients");
			continue;
		}
		for (i = 0; c->clients[i].fd != -1; i++)
			;
		cl = &c->clients[i];
		cl->fd = fd;
		cl->peer = peer;
		cl->out.peer = &cl->peer;
		cl->deadline = clock_ms() + c->idle_ms;
		c->nclients++;
	}
}

/* The request is in: build the whole answer, its end marker last. */
static void
answer(struct control *c, struct ctl_client *cl, const char *line,
    size_t len, const char *error)
{
	char err[512];
	int rc = -1;

	err[0] = '\0';
	if (error != NULL)
		seterr(err, sizeof(err), "%s", error);
	else if (c->handler != NULL)
		rc = c->handler(c->arg, line, len, &cl->out, err,
		    sizeof(err));
	else
		seterr(err, sizeof(err), "no handler");
	if (cl->out.full) {
		/* Room for the last lines, whatever the answer filled. */
		cl->out.full = false;
		cl->out.len = cl->out.len > CTL_OUTPUT_MAX - 256 ?
		    CTL_OUTPUT_MAX - 256 : cl->out.len;
		while (cl->out.len > 0 && cl->out.buf[cl->out.len - 1] != '\n')
			cl->out.len--;
		if (rc == 0)
			seterr(err, sizeof(err), "answer longer than %u "
			    "bytes: cut short", CTL_OUTPUT_MAX);
		rc = -1;
	}
	if (rc == -1)
		ctl_printf(&cl->out, CTL_ERROR "%s\n", err[0] != '\0' ? err :
		    "failed");
	ctl_printf(&cl->out, CTL_END "\n");
	cl->answering = true;
	cl->sent = 0;
}

static void
client_read(struct control *c, struct ctl_client *cl)
{
	char *nl;
	ssize_t n;

	n = read(cl->fd, cl->in + cl->inlen, sizeof(cl->in) - cl->inlen);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		drop(c, cl);
		return;
	}
	cl->inlen += (size_t)n;
	cl->deadline = clock_ms() + c->idle_ms;
	if ((nl = memchr(cl->in, '\n', cl->inlen)) != NULL)
		answer(c, cl, cl->in, (size_t)(nl - cl->in), NULL);
	else if (cl->inlen == sizeof(cl->in))
		answer(c, cl, NULL, 0, "request longer than 1023 bytes");
}

static void
client_write(struct control *c, struct ctl_client *cl)
{
	ssize_t n;

	n = write(cl->fd, cl->out.buf + cl->sent, cl->out.len - cl->sent);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		drop(c, cl);
		return;
	}
	cl->sent += (size_t)n;
	cl->deadline = clock_ms() + c->idle_ms;
	if (cl->sent == cl->out.len)
		drop(c, cl);
}

/*
 * What to poll, into pfd[0..n): the listener first, then each client,
 * for reading or for writing.  Returns how many entries it filled.
 */
size_t
control_pollfds(struct control *c, struct pollfd *pfd, size_t n)
{
	size_t i, used = 0;

	if (n == 0)
		return 0;
	pfd[used].fd = c->fd;
	pfd[used].events = POLLIN;
	pfd[used++].revents = 0;
	for (i = 0; i < CTL_CLIENTS_MAX && used < n; i++) {
		struct ctl_client *cl = &c->clients[i];

		if (cl->fd == -1)
			continue;
		pfd[used].fd = cl->fd;
		pfd[used].events = cl->answering ? POLLOUT : POLLIN;
		pfd[used++].revents = 0;
	}
	return used;
}

static struct ctl_client *
client_of(struct control *c, int fd)
{
	size_t i;

	for (i = 0; i < CTL_CLIENTS_MAX; i++)
		if (c->clients[i].fd == fd)
			return &c->clients[i];
	return NULL;
}

/* Act on what poll(2) found in control_pollfds()'s entries, and time out. */
void
control_serve(struct control *c, const struct pollfd *pfd, size_t n)
{
	struct ctl_client *cl;
	int64_t now;
	size_t i;

	for (i = 1; i < n; i++) {
		if (pfd[i].revents == 0 ||
		    (cl = client_of(c, pfd[i].fd)) == NULL)
			continue;
		if (cl->answering)
			client_write(c, cl);
		else
			client_read(c, cl);
	}
	/* After the clients: a slot freed above takes a waiting connection. */
	if (n > 0 && (pfd[0].revents & POLLIN))
		accept_clients(c);
	now = clock_ms();
	for (i = 0; i < CTL_CLIENTS_MAX; i++) {
		cl = &c->clients[i];
		if (cl->fd != -1 && cl->deadline <= now) {
			log_debug("control: client idle for %d ms: dropped",
			    c->idle_ms);
			drop(c, cl);
		}
	}
}

/* poll(2)'s timeout, given the loop's own (-1: none), in ms. */
int
control_timeout(const struct control *c, int timeout)
{
	int64_t now = clock_ms(), next = INT64_MAX;
	size_t i;

	for (i = 0; i < CTL_CLIENTS_MAX; i++)
		if (c->clients[i].fd != -1 && c->clients[i].deadline < next)
			next = c->clients[i].deadline;
	if (next == INT64_MAX)
		return timeout;
	next = next <= now ? 0 : next - now;
	return timeout >= 0 && timeout < next ? timeout : (int)next;
}

/*
 * Close every connection and the listener; remove the socket file if
 * unlink_path (a process that only inherited the listener leaves it).
 */
void
control_close(struct control *c, bool unlink_path)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < CTL_CLIENTS_MAX; i++)
		if (c->clients[i].fd != -1)
			drop(c, &c->clients[i]);
	close(c->fd);
	if (unlink_path && unlink(c->path) == -1)
		log_debug("unlink %s: %s", c->path, strerror(errno));
	free(c->path);
	free(c);
}
