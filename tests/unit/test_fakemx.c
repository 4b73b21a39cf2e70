/*
 * Unit tests for fakemx.c, the answering fake MX, over loopback: real
 * sockets, the listener served by a small poll loop here.  The hooks
 * record what happened in which order, so that the tests see that a peer
 * is whitelisted and flushed to the firewall before anything is written
 * to it.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fakemx.h"
#include "t.h"

static struct {
	unsigned	peers, flushes, done;
	int		client;		/* the socket checked at flush */
	bool		early;		/* data had reached it before flush */
	struct tried_entry last;
} ev;

static void
on_peer(void *arg, const struct mx_addr *a)
{
	(void)arg;
	(void)a;
	ev.peers++;
}

/* The firewall's turn: the client must not have heard anything yet. */
static void
on_flush(void *arg)
{
	struct pollfd pfd = { ev.client, POLLIN, 0 };

	(void)arg;
	ev.flushes++;
	if (ev.client != -1 && poll(&pfd, 1, 0) > 0)
		ev.early = true;
}

static void
on_done(void *arg, const struct tried_entry *e)
{
	(void)arg;
	ev.done++;
	ev.last = *e;
}

static uint16_t port;

static struct fakemx *
start(enum fake_answer mode, size_t conns, size_t per_source,
    int64_t timeout_ms, struct mx_stats *stats)
{
	struct mx_addrlist fake = { NULL, 0 };
	struct fakemx_limits lim = { conns, per_source, timeout_ms };
	struct fakemx_hooks hooks = { on_peer, on_flush, on_done, NULL };
	struct mx_addr a;
	struct fakemx *fm = NULL;
	char err[256];
	int i;

	memset(&ev, 0, sizeof(ev));
	ev.client = -1;
	addr_parse("127.0.0.1", &a);
	addrlist_add(&fake, &a);
	/* A free port: a few tries from one derived from our pid. */
	for (i = 0; i < 20 && fm == NULL; i++) {
		port = (uint16_t)(20000 + (getpid() * 7 + i * 131) % 30000);
		fm = fakemx_open(&fake, port, mode, &lim, "fake.example",
		    &hooks, stats, err, sizeof(err));
	}
	addrlist_free(&fake);
	if (fm == NULL)
		printf("# %s\n", err);
	return fm;
}

static int
client(void)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || connect(fd, (struct sockaddr *)&sin,
	    sizeof(sin)) == -1)
		abort();
	(void)fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

/* Serve the fake MX for up to ms milliseconds, or until fn(arg) holds. */
static void
serve(struct fakemx *fm, int ms, bool (*fn)(void *), void *arg)
{
	struct pollfd pfd[64];
	size_t n;
	int i;

	for (i = 0; i < ms / 10; i++) {
		if (fn != NULL && fn(arg))
			return;
		n = fakemx_pollfds(fm, pfd, 64);
		/* Deadlines are served whether poll() saw anything or not. */
		(void)poll(pfd, n, fakemx_timeout(fm, 10));
		fakemx_serve(fm, pfd, n);
	}
}

static bool
done_count(void *arg)
{
	return ev.done >= *(unsigned *)arg;
}

/* What the server sent on fd so far (non-blocking). */
static void
drain(int fd, char *buf, size_t len)
{
	size_t n = strlen(buf);
	ssize_t r;

	while (n + 1 < len && (r = read(fd, buf + n, len - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
}

static void
test_421(void)
{
	struct mx_stats st;
	struct fakemx *fm;
	char buf[512] = "";
	unsigned want = 1;

	memset(&st, 0, sizeof(st));
	CHECK((fm = start(FAKE_ANSWER_421, 8, 2, 1000, &st)) != NULL,
	    "421: listening on loopback");
	if (fm == NULL)
		return;
	ev.client = client();
	serve(fm, 2000, done_count, &want);
	drain(ev.client, buf, sizeof(buf));
	CHECK(ev.peers == 1 && ev.flushes == 1 && !ev.early,
	    "421: the peer is whitelisted and flushed before any answer");
	CHECK(strcmp(buf, "421 4.3.2 fake.example Service not available, "
	    "try the next MX\r\n") == 0, "421: the answer line");
	CHECK(ev.done == 1 && ev.last.answer == 421 &&
	    st.fake_answered == 1 && fakemx_active(fm) == 0,
	    "421: recorded, counted, and the connection is over");
	close(ev.client);
	fakemx_close(fm);
}

static void
say(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		abort();
}

static bool
has(void *arg)
{
	char **p = arg;

	drain(ev.client, p[0], 2048);
	return strstr(p[0], p[1]) != NULL;
}

static void
test_450(void)
{
	struct mx_stats st;
	struct fakemx *fm;
	char buf[2048] = "";
	char *want[2] = { buf, NULL };
	int c2, c3;
	unsigned n = 1;

	memset(&st, 0, sizeof(st));
	CHECK((fm = start(FAKE_ANSWER_450, 8, 2, 400, &st)) != NULL,
	    "450: listening on loopback");
	if (fm == NULL)
		return;
	ev.client = client();
	want[1] = "220 fake.example ESMTP\r\n";
	serve(fm, 2000, has, want);
	CHECK(ev.peers == 1 && !ev.early && strstr(buf, want[1]) != NULL,
	    "450: whitelisted, flushed, then greeted with 220");
	say(ev.client, "EHLO relay.example\r\nMAIL FROM:<s@example.test>\r\n"
	    "RCPT TO:<a@example.org>\r\nRCPT TO:<b@example.org>\r\n"
	    "RCPT TO:<c@example.org>\r\nRCPT TO:<d@example.org>\r\nDATA\r\n");
	want[1] = "421 4.3.2";
	serve(fm, 2000, has, want);
	CHECK(strstr(buf, "250 fake.example\r\n250 2.1.0 Ok\r\n"
	    "450 4.7.1 Try the next MX\r\n") != NULL &&
	    strstr(buf, "Try the next MX\r\n421 4.3.2") != NULL,
	    "450: pipelined EHLO, MAIL, RCPTs answered; DATA ends it");
	serve(fm, 200, done_count, &n);
	CHECK(ev.done == 1 && strcmp(ev.last.helo, "relay.example") == 0 &&
	    strcmp(ev.last.sender, "s@example.test") == 0 &&
	    ev.last.nrcpts == TRIED_RCPTS && ev.last.rcpts_seen == 4 &&
	    strcmp(ev.last.rcpts[0], "a@example.org") == 0,
	    "450: the record has HELO, sender, recipients (3 kept of 4)");
	close(ev.client);

	/* Out of order, then a line too long. */
	buf[0] = '\0';
	ev.client = client();
	say(ev.client, "RCPT TO:<a@example.org>\r\n");
	want[1] = "503 5.5.1";
	serve(fm, 2000, has, want);
	CHECK(strstr(buf, "503 5.5.1") != NULL, "450: RCPT before MAIL: 503");
	memset(buf, 'x', 600);
	buf[600] = '\0';
	say(ev.client, buf);
	buf[0] = '\0';
	want[1] = "500 5.5.6";
	serve(fm, 2000, has, want);
	CHECK(strstr(buf, "500 5.5.6 Line too long") != NULL &&
	    st.fake_bad_lines == 1, "450: a line too long ends it, counted");
	close(ev.client);

	/* Per source: 2 held, the third gets 421 at once. */
	buf[0] = '\0';
	ev.client = client();
	c2 = client();
	c3 = client();
	serve(fm, 300, NULL, NULL);
	drain(c3, buf, sizeof(buf));
	CHECK(st.fake_refused >= 1 && strstr(buf, "421 4.3.2") != NULL &&
	    fakemx_active(fm) == 2,
	    "450: a third connection from one source: 421, counted");
	/* The two held ones time out (400 ms). */
	serve(fm, 1500, NULL, NULL);
	CHECK(st.fake_timeouts == 2 && fakemx_active(fm) == 0,
	    "450: connections that say nothing time out, counted");
	buf[0] = '\0';
	drain(c2, buf, sizeof(buf));
	CHECK(strstr(buf, "421 4.4.2 fake.example Timeout") != NULL,
	    "450: the timeout's answer");
	close(ev.client);
	close(c2);
	close(c3);
	fakemx_close(fm);
}

int
main(void)
{
	test_421();
	test_450();
	return T_DONE();
}
