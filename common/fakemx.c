/*
 * The answering fake MX (fakemx.h).
 *
 * A connection lives in one of max-connections slots, allocated at start:
 * nothing a peer does makes the daemon allocate memory.  Answers are a
 * few short lines on a socket whose send buffer is empty: a write that
 * does not go through at once means the peer does not read, and ends the
 * connection.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fakemx.h"
#include "clock.h"
#include "log.h"
#include "smtp.h"

/* Connections taken from the kernel in one go: one firewall flush each. */
#define ACCEPT_BATCH	64
/* Most commands, and most bad ones, in one connection. */
#define COMMANDS_MAX	32
#define ERRORS_MAX	3
/* After EMFILE and the like: stop accepting for this long. */
#define PAUSE_MS	1000
/* The longest host name in the answers. */
#define NAME_MAX_LEN	64

enum conn_state {
	CONN_HELO,	/* greeted, waiting for HELO/EHLO */
	CONN_MAIL,	/* waiting for MAIL FROM */
	CONN_RCPT	/* waiting for RCPT TO (more, or QUIT) */
};

struct conn {
	int			 fd;		/* -1: free slot */
	enum conn_state		 state;
	int64_t			 deadline;	/* ms */
	unsigned		 commands;
	unsigned		 errors;
	size_t			 inlen;
	char			 in[SMTP_LINE_MAX];
	struct tried_entry	 rec;
};

struct fakemx {
	enum fake_answer	 mode;
	struct fakemx_limits	 lim;
	struct fakemx_hooks	 hooks;
	struct mx_stats		*stats;
	char			 name[NAME_MAX_LEN];
	int			*listen;
	size_t			 nlisten;
	struct conn		*conns;		/* lim.connections slots */
	size_t			 nactive;
	int64_t			 paused_until;	/* ms; 0: accepting */
	/* The accept batch being whitelisted and answered. */
	struct conn		 batch[ACCEPT_BATCH];
	size_t			 nbatch;
	/* pollfd index - nlisten -> slot, as fakemx_pollfds() filled them. */
	size_t			*slot_of;
	bool			 listening;	/* listeners in the last pollfds */
	size_t			 first;		/* the listener served first */
};

static int
nonblocking(int fd)
{
	int fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		return -1;
	return 0;
}

static int
listen_on(const struct mx_addr *a, uint16_t port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char buf[MX_ADDRSTRLEN];
	int fd, on = 1;

	memset(&ss, 0, sizeof(ss));
	if (addr_is_v4(a)) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->a + ADDR_V4MAPPED_LEN, 4);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, a->a, 16);
		len = sizeof(*sin6);
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM, 0)) == -1)
		goto fail;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
		    sizeof(on));
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, SOMAXCONN) == -1 || nonblocking(fd) == -1)
		goto fail;
	return fd;
fail:
	seterr(err, errlen, "fake-answer: listen on %s port %u: %s",
	    addr_format(a, buf, sizeof(buf)), port, strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

struct fakemx *
fakemx_open(const struct mx_addrlist *fake, uint16_t port,
    enum fake_answer mode, const struct fakemx_limits *lim, const char *name,
    const struct fakemx_hooks *hooks, struct mx_stats *stats, char *err,
    size_t errlen)
{
	struct fakemx *fm;
	size_t i;

	if ((fm = calloc(1, sizeof(*fm))) == NULL ||
	    (fm->listen = calloc(fake->count, sizeof(int))) == NULL ||
	    (fm->conns = calloc(lim->connections, sizeof(*fm->conns))) ==
	    NULL || (fm->slot_of = calloc(lim->connections,
	    sizeof(*fm->slot_of))) == NULL) {
		seterr(err, errlen, "fake-answer: out of memory");
		fakemx_close(fm);
		return NULL;
	}
	fm->mode = mode;
	fm->lim = *lim;
	fm->hooks = *hooks;
	fm->stats = stats;
	tried_copy(fm->name, sizeof(fm->name), name);
	for (i = 0; i < lim->connections; i++)
		fm->conns[i].fd = -1;
	for (i = 0; i < fake->count; i++) {
		if ((fm->listen[i] = listen_on(&fake->addrs[i], port, err,
		    errlen)) == -1) {
			fakemx_close(fm);
			return NULL;
		}
		fm->nlisten++;
	}
	return fm;
}

void
fakemx_close(struct fakemx *fm)
{
	size_t i;

	if (fm == NULL)
		return;
	for (i = 0; i < fm->nlisten; i++)
		close(fm->listen[i]);
	for (i = 0; fm->conns != NULL && i < fm->lim.connections; i++)
		if (fm->conns[i].fd != -1)
			close(fm->conns[i].fd);
	free(fm->listen);
	free(fm->conns);
	free(fm->slot_of);
	free(fm);
}

size_t
fakemx_listeners(const struct fakemx *fm, int *fds, size_t max)
{
	size_t i;

	for (i = 0; i < fm->nlisten && i < max; i++)
		fds[i] = fm->listen[i];
	return fm->nlisten;
}

size_t
fakemx_fds_max(const struct fakemx *fm)
{
	return fm == NULL ? 0 : (fm->mode == FAKE_ANSWER_450 ?
	    fm->lim.connections : 0) + ACCEPT_BATCH;
}

size_t
fakemx_nfds_max(const struct fakemx *fm)
{
	return fm == NULL ? 0 : fm->nlisten + fm->lim.connections;
}

size_t
fakemx_active(const struct fakemx *fm)
{
	return fm == NULL ? 0 : fm->nactive;
}

/* One answer line; false if it did not go out whole (end the connection). */
static bool
say(int fd, const char *fmt, ...)
{
	char line[SMTP_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return false;
	if ((size_t)n > sizeof(line) - 3)
		n = (int)sizeof(line) - 3;
	line[n++] = '\r';
	line[n++] = '\n';
	return send(fd, line, (size_t)n, MSG_NOSIGNAL) == n;
}

/* The end of a connection: its record to the daemon, the slot free. */
static void
finish(struct fakemx *fm, struct conn *c)
{
	close(c->fd);
	c->fd = -1;
	if (fm->hooks.done != NULL)
		fm->hooks.done(fm->hooks.arg, &c->rec);
}

static void
release(struct fakemx *fm, struct conn *c)
{
	finish(fm, c);
	fm->nactive--;
}

static size_t
from_source(const struct fakemx *fm, const struct mx_addr *a)
{
	size_t i, n = 0;

	for (i = 0; i < fm->lim.connections; i++)
		if (fm->conns[i].fd != -1 &&
		    addr_equal(&fm->conns[i].rec.addr, a))
			n++;
	return n;
}

static struct conn *
free_slot(struct fakemx *fm)
{
	size_t i;

	for (i = 0; i < fm->lim.connections; i++)
		if (fm->conns[i].fd == -1)
			return &fm->conns[i];
	return NULL;
}

static bool
peer_addr(int fd, const struct sockaddr_storage *ss, struct mx_addr *a)
{
	(void)fd;
	if (ss->ss_family == AF_INET)
		addr_from_v4(a, &((const struct sockaddr_in *)ss)->sin_addr);
	else if (ss->ss_family == AF_INET6)
		addr_from_v6(a, &((const struct sockaddr_in6 *)ss)->sin6_addr);
	else
		return false;
	return true;
}

/*
 * Take up to ACCEPT_BATCH connections from one listener into the batch
 * (trying a bounded number of times).  Out of descriptors (or kernel
 * memory): stop accepting for a moment, else the listener would stay
 * readable and the loop would spin.
 */
static void
accept_some(struct fakemx *fm, int lfd, int64_t now)
{
	static struct log_ratelimit rl;
	struct sockaddr_storage ss;
	socklen_t len;
	struct conn *c;
	int fd, tries;

	for (tries = 0; fm->nbatch < ACCEPT_BATCH && tries < 4 * ACCEPT_BATCH;
	    tries++) {
		len = sizeof(ss);
		if ((fd = accept(lfd, (struct sockaddr *)&ss, &len)) == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			/*
			 * A connection that went away, or (Linux) a network
			 * error pending on it: that one is gone, take the next.
			 */
			if (errno != EMFILE && errno != ENFILE &&
			    errno != ENOBUFS && errno != ENOMEM)
				continue;
			fm->stats->fake_refused++;
			fm->paused_until = now + PAUSE_MS;
			log_warn_limited(&rl, now / 1000, "fake-answer: "
			    "accept: %s (not accepting for %d ms)",
			    strerror(errno), PAUSE_MS);
			return;
		}
		c = &fm->batch[fm->nbatch];
		memset(&c->rec, 0, sizeof(c->rec));
		if (nonblocking(fd) == -1 || !peer_addr(fd, &ss, &c->rec.addr)) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->rec.when = (int64_t)time(NULL);
		c->rec.answer = fm->mode == FAKE_ANSWER_450 ? 450 : 421;
		fm->nbatch++;
	}
}

/*
 * The batch: every peer whitelisted, the entries pushed to the firewall,
 * and only then an answer to each.  421 mode ends each connection at
 * once; 450 mode keeps it in a slot, unless the limits say no.
 */
static void
answer_batch(struct fakemx *fm, int64_t now)
{
	struct conn *b, *c;
	size_t i;

	if (fm->nbatch == 0)
		return;
	for (i = 0; i < fm->nbatch; i++)
		fm->hooks.peer(fm->hooks.arg, &fm->batch[i].rec.addr);
	if (fm->hooks.flush != NULL)
		fm->hooks.flush(fm->hooks.arg);
	for (i = 0; i < fm->nbatch; i++) {
		b = &fm->batch[i];
		if (fm->mode == FAKE_ANSWER_421) {
			(void)say(b->fd, FAKEMX_421, fm->name);
			fm->stats->fake_answered++;
			finish(fm, b);
			continue;
		}
		if (fm->nactive >= fm->lim.connections ||
		    from_source(fm, &b->rec.addr) >= fm->lim.per_source ||
		    (c = free_slot(fm)) == NULL) {
			(void)say(b->fd, FAKEMX_421, fm->name);
			close(b->fd);
			fm->stats->fake_refused++;
			continue;
		}
		*c = *b;
		c->state = CONN_HELO;
		c->deadline = now + fm->lim.timeout_ms;
		c->commands = c->errors = 0;
		c->inlen = 0;
		fm->nactive++;
		fm->stats->fake_answered++;
		if (!say(c->fd, "220 %s ESMTP", fm->name))
			release(fm, c);
	}
	fm->nbatch = 0;
}

/* One command; false when the connection is over. */
static bool
command(struct fakemx *fm, struct conn *c, const char *line, size_t len)
{
	struct smtp_cmd cmd;
	struct tried_entry *r = &c->rec;

	if (++c->commands > COMMANDS_MAX) {
		(void)say(c->fd, FAKEMX_421, fm->name);
		return false;
	}
	switch (smtp_parse(line, len, &cmd)) {
	case SMTP_HELO:
	case SMTP_EHLO:
		tried_copy(r->helo, sizeof(r->helo), cmd.arg);
		c->state = CONN_MAIL;
		return say(c->fd, "250 %s", fm->name);
	case SMTP_MAIL:
		if (c->state == CONN_HELO)
			break;
		tried_copy(r->sender, sizeof(r->sender), cmd.arg);
		r->has_sender = true;
		c->state = CONN_RCPT;
		return say(c->fd, "250 2.1.0 Ok");
	case SMTP_RCPT:
		if (c->state != CONN_RCPT)
			break;
		if (r->nrcpts < TRIED_RCPTS)
			tried_copy(r->rcpts[r->nrcpts++], TRIED_TEXT, cmd.arg);
		r->rcpts_seen++;
		return say(c->fd, FAKEMX_450);
	case SMTP_RSET:
		if (c->state == CONN_RCPT)
			c->state = CONN_MAIL;
		return say(c->fd, "250 2.0.0 Ok");
	case SMTP_NOOP:
		return say(c->fd, "250 2.0.0 Ok");
	case SMTP_QUIT:
		(void)say(c->fd, "221 2.0.0 %s Bye", fm->name);
		return false;
	case SMTP_DATA:
		/* Never: every recipient had a 450. */
		(void)say(c->fd, FAKEMX_421, fm->name);
		return false;
	case SMTP_UNKNOWN:
		c->errors++;
		return c->errors < ERRORS_MAX &&
		    say(c->fd, "502 5.5.2 Command not recognized");
	case SMTP_BAD:
		c->errors++;
		return c->errors < ERRORS_MAX &&
		    say(c->fd, "501 5.5.4 Syntax error");
	}
	/* Out of order. */
	c->errors++;
	return c->errors < ERRORS_MAX &&
	    say(c->fd, "503 5.5.1 Bad sequence of commands");
}

/* Read what the peer sent and answer its complete lines. */
static void
readable(struct fakemx *fm, struct conn *c)
{
	ssize_t n;
	char *nl;
	size_t len;

	n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, 0);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n <= 0) {
		release(fm, c);
		return;
	}
	c->inlen += (size_t)n;
	while ((nl = memchr(c->in, '\n', c->inlen)) != NULL) {
		len = (size_t)(nl - c->in);
		if (len > 0 && c->in[len - 1] == '\r')
			len--;
		if (!command(fm, c, c->in, len)) {
			release(fm, c);
			return;
		}
		len = (size_t)(nl - c->in) + 1;
		c->inlen -= len;
		memmove(c->in, nl + 1, c->inlen);
	}
	if (c->inlen == sizeof(c->in)) {
		fm->stats->fake_bad_lines++;
		(void)say(c->fd, "500 5.5.6 Line too long");
		release(fm, c);
	}
}

size_t
fakemx_pollfds(struct fakemx *fm, struct pollfd *pfd, size_t max)
{
	size_t i, n = 0;

	fm->listening = fm->paused_until == 0 ||
	    clock_ms() >= fm->paused_until;
	if (fm->listening)
		fm->paused_until = 0;
	for (i = 0; i < fm->nlisten && n < max; i++) {
		pfd[n].fd = fm->listening ? fm->listen[i] : -1;
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	for (i = 0; i < fm->lim.connections && n < max; i++) {
		if (fm->conns[i].fd == -1)
			continue;
		fm->slot_of[n - fm->nlisten] = i;
		pfd[n].fd = fm->conns[i].fd;
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	return n;
}

void
fakemx_serve(struct fakemx *fm, const struct pollfd *pfd, size_t n)
{
	int64_t now = clock_ms();
	struct conn *c;
	size_t i;

	/* The open connections first: slots may free up for new ones. */
	for (i = fm->nlisten; i < n; i++) {
		c = &fm->conns[fm->slot_of[i - fm->nlisten]];
		if (c->fd == pfd[i].fd &&
		    (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
			readable(fm, c);
	}
	/*
	 * A batch is shared by the listeners: start with another one each
	 * time, so that a flood on one address cannot starve the others.
	 */
	for (i = 0; i < fm->nlisten && fm->nlisten <= n; i++) {
		size_t l = (fm->first + i) % fm->nlisten;

		if (fm->listening && (pfd[l].revents & POLLIN))
			accept_some(fm, fm->listen[l], now);
	}
	if (fm->nlisten > 0)
		fm->first = (fm->first + 1) % fm->nlisten;
	answer_batch(fm, now);
	for (i = 0; i < fm->lim.connections; i++) {
		c = &fm->conns[i];
		if (c->fd == -1 || now < c->deadline)
			continue;
		fm->stats->fake_timeouts++;
		(void)say(c->fd, "421 4.4.2 %s Timeout, try the next MX",
		    fm->name);
		release(fm, c);
	}
}

int
fakemx_timeout(const struct fakemx *fm, int timeout)
{
	int64_t next = -1, now, t;
	size_t i;

	if (fm == NULL)
		return timeout;
	if (fm->paused_until != 0)
		next = fm->paused_until;
	for (i = 0; i < fm->lim.connections && fm->nactive > 0; i++)
		if (fm->conns[i].fd != -1 &&
		    (next == -1 || fm->conns[i].deadline < next))
			next = fm->conns[i].deadline;
	if (next == -1)
		return timeout;
	now = clock_ms();
	t = next <= now ? 0 : next - now + 1;
	if (timeout >= 0 && timeout < t)
		return timeout;
	return t > 3600 * 1000 ? 3600 * 1000 : (int)t;
}

void
fakemx_set_name(struct fakemx *fm, const struct mx_addr *a,
    const char *name)
{
	size_t i;

	if (fm == NULL || name == NULL || *name == '\0')
		return;
	for (i = 0; i < fm->lim.connections; i++)
		if (fm->conns[i].fd != -1 &&
		    addr_equal(&fm->conns[i].rec.addr, a))
			tried_copy(fm->conns[i].rec.name, TRIED_NAME, name);
	for (i = 0; i < fm->nbatch; i++)
		if (addr_equal(&fm->batch[i].rec.addr, a))
			tried_copy(fm->batch[i].rec.name, TRIED_NAME, name);
}
