/*
 * The resolver over a socket (common/resolver_remote.c): a client made by
 * resolver_connect() talking to resolver_serve() in a thread over
 * resolver_socketpair(), with the DNS calls replaced by a small zone kept
 * here; the checks of every message in both directions, fed malformed
 * messages directly and through the sockets; and the daemon counting a
 * DROPPED answer as a skipped lookup.  Run under ASan+UBSan and
 * ThreadSanitizer by make check, and under valgrind.
 *
 *	127.0.0.1, ::1	-> localhost -> 127.0.0.1, ::1
 *	127.0.0.2	-> liar.test -> 127.0.0.9 (does not confirm)
 *	127.0.0.3, .4	-> wait at the gate while it is closed, then no name
 *	127.0.0.5	-> many.test -> MANY IPv6 addresses (does not confirm)
 *	fail.test	-> a DNS failure (EAI_AGAIN)
 *	anything else	-> no name
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "resolver.h"
#include "resolver_msg.h"
#include "fakeai.h"
#include "t.h"

#define MANY	1100
#define LONG_AGO	1000	/* an engine clock value: expiries in the past */
#define ALLOW_MAX	RESOLVER_NAME_ADDRS_MAX

/*
 * The gate: lookups of 127.0.0.3 and .4 wait while it is closed, so that
 * a test can keep the resolver process's threads busy and its queue full.
 */
static pthread_mutex_t	gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	gate_cond = PTHREAD_COND_INITIALIZER;
static bool		gate_closed;
static int		gate_waiting;

static void
gate_set(bool closed)
{
	pthread_mutex_lock(&gate_lock);
	gate_closed = closed;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
}

static void
gate_pass(void)
{
	pthread_mutex_lock(&gate_lock);
	gate_waiting++;
	pthread_cond_broadcast(&gate_cond);
	while (gate_closed)
		pthread_cond_wait(&gate_cond, &gate_lock);
	gate_waiting--;
	pthread_mutex_unlock(&gate_lock);
}

/* Wait (five seconds at most) until n lookups wait at the gate. */
static bool
gate_wait_for(int n)
{
	struct timespec deadline;
	bool reached;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 5;
	pthread_mutex_lock(&gate_lock);
	while (gate_waiting < n && pthread_cond_timedwait(&gate_cond,
	    &gate_lock, &deadline) == 0)
		;
	reached = gate_waiting >= n;
	pthread_mutex_unlock(&gate_lock);
	return reached;
}

static int
fake_name_of(const struct sockaddr *sa, unsigned len, char *name,
    size_t namelen)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
	uint32_t v4;

	(void)len;
	if (sa->sa_family == AF_INET6 &&
	    IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
		return snprintf(name, namelen, "localhost") < 0;
	if (sa->sa_family != AF_INET)
		return EAI_NONAME;
	v4 = ntohl(sin->sin_addr.s_addr);
	switch (v4) {
	case 0x7f000001:
		return snprintf(name, namelen, "localhost") < 0;
	case 0x7f000002:
		return snprintf(name, namelen, "liar.test") < 0;
	case 0x7f000003:
	case 0x7f000004:
		gate_pass();
		return EAI_NONAME;
	case 0x7f000005:
		return snprintf(name, namelen, "many.test") < 0;
	}
	return EAI_NONAME;
}

static int
fake_addrs_of(const char *name, struct addrinfo **res)
{
	char text[64];
	int i;

	if (strcmp(name, "localhost") == 0) {
		*res = fake_ai(AF_INET, "127.0.0.1",
		    fake_ai(AF_INET6, "::1", NULL));
		return 0;
	}
	if (strcmp(name, "liar.test") == 0) {
		*res = fake_ai(AF_INET, "127.0.0.9", NULL);
		return 0;
	}
	if (strcmp(name, "many.test") == 0) {
		*res = NULL;
		for (i = 0; i < MANY; i++) {
			snprintf(text, sizeof(text), "2001:db8::%x", i + 1);
			*res = fake_ai(AF_INET6, text, *res);
		}
		return 0;
	}
	if (strcmp(name, "fail.test") == 0)
		return EAI_AGAIN;
	return EAI_NONAME;
}

static const struct resolver_config hooks = {
	.name_of = fake_name_of,
	.addrs_of = fake_addrs_of,
	.free_addrs = fake_free
};

static struct resolver_config
config(unsigned threads, size_t queue, size_t max_addresses, bool confirm)
{
	struct resolver_config c;

	memset(&c, 0, sizeof(c));
	c.threads = threads;
	c.queue_size = queue;
	c.cache_size = 64;
	c.cache_time = 600;
	c.max_addresses = max_addresses;
	c.forward_confirm = confirm;
	return c;
}

/* A resolver process, as a thread, at the other end of sv[0]. */
struct served {
	int				sv[2];
	pthread_t			thread;
	int				rc;
	struct resolver_serve_stats	stats;
};

static void *
serve_thread(void *arg)
{
	struct served *s = arg;

	s->rc = resolver_serve(s->sv[1], &hooks, 42, &s->stats);
	return NULL;
}

static bool
serve_start(struct served *s)
{
	memset(s, 0, sizeof(*s));
	if (resolver_socketpair(s->sv) == -1)
		return false;
	return pthread_create(&s->thread, NULL, serve_thread, s) == 0;
}

/* Close the engine's end and wait for the server: its return value. */
static int
serve_end(struct served *s)
{
	close(s->sv[0]);
	pthread_join(s->thread, NULL);
	close(s->sv[1]);
	return s->rc;
}

struct seen {
	int			calls;
	struct mx_addr		sender;
	int64_t			expires;
	bool			cached;
	enum resolver_status	status;
	char			name[RESOLVER_NAME_SIZE];
	size_t			count;
	bool			has_sender;
};

static void
on_result(void *arg, const struct resolver_result *res)
{
	struct seen *s = arg;
	size_t i;

	s->calls++;
	s->sender = res->sender;
	s->expires = res->expires;
	s->cached = res->cached;
	s->status = res->status;
	snprintf(s->name, sizeof(s->name), "%s", res->name);
	s->count = res->count;
	s->has_sender = false;
	for (i = 0; i < res->count; i++)
		if (addr_equal(&res->addrs[i], &res->sender))
			s->has_sender = true;
}

/* Collect until n results came in or five seconds passed. */
static size_t
collect(struct resolver *rs, size_t n, int64_t now, struct seen *s)
{
	struct pollfd pfd;
	size_t got = 0;
	int rounds;

	for (rounds = 0; got < n && rounds < 50; rounds++) {
		pfd.fd = resolver_fd(rs);
		pfd.events = POLLIN;
		if (pfd.fd == -1)
			break;
		poll(&pfd, 1, 100);
		got += resolver_collect(rs, now, on_result, s);
	}
	return got;
}

static bool
readable(int fd, int ms)
{
	struct pollfd pfd = { fd, POLLIN, 0 };

	return poll(&pfd, 1, ms) == 1 && (pfd.revents & POLLIN);
}

static struct mx_addr
addr(const char *text)
{
	struct mx_addr a;

	addr_parse(text, &a);
	return a;
}

static void
test_lookups(void)
{
	struct resolver_config c = config(2, 16, 32, true);
	struct mx_addr lo = addr("127.0.0.1"), liar = addr("127.0.0.2");
	struct mx_addr none = addr("127.0.0.7"), lo6 = addr("::1");
	struct mx_addr many = addr("127.0.0.5");
	struct resolver *rs;
	struct served sv;
	struct seen s;

	memset(&s, 0, sizeof(s));
	CHECK(serve_start(&sv), "resolver process started on a socketpair");
	rs = resolver_connect(sv.sv[0], &c, 1);
	CHECK(rs != NULL && resolver_fd(rs) == sv.sv[0],
	    "the client polls the socket");
	CHECK(resolver_submit(rs, &lo, 2000, LONG_AGO, on_result, &s) ==
	    RESOLVER_QUEUED, "a new sender is queued");
	CHECK(resolver_submit(rs, &lo, 2001, LONG_AGO, on_result, &s) ==
	    RESOLVER_PENDING, "a second hit while it is asked is pending");
	CHECK(resolver_pending(rs) == 1, "one lookup pending");
	CHECK(collect(rs, 1, LONG_AGO, &s) == 1, "the result comes back");
	CHECK(s.calls == 1 && !s.cached && s.status == RESOLVER_OK &&
	    strcmp(s.name, "localhost") == 0 && s.count == 2 &&
	    s.has_sender && addr_equal(&s.sender, &lo),
	    "127.0.0.1: found, localhost, 2 addresses with the sender "
	    "(status %d, name '%s', %zu)", s.status, s.name, s.count);
	CHECK(s.expires == 2000, "with the expiry it was asked with (%lld)",
	    (long long)s.expires);
	CHECK(resolver_pending(rs) == 0, "nothing pending");

	CHECK(resolver_submit(rs, &lo, 2500, LONG_AGO, on_result, &s) ==
	    RESOLVER_QUEUED, "the next hit is asked again");
	CHECK(collect(rs, 1, LONG_AGO, &s) == 1 && s.cached &&
	    s.status == RESOLVER_OK && s.expires == 2500 && s.count == 2,
	    "and answered from the resolver process's cache, with the new "
	    "expiry");

	resolver_submit(rs, &liar, 3000, LONG_AGO, on_result, &s);
	CHECK(collect(rs, 1, LONG_AGO, &s) == 1 &&
	    s.status == RESOLVER_UNCONFIRMED && s.count == 0 &&
	    strcmp(s.name, "liar.test") == 0 && s.expires == 3000,
	    "a lying name is unconfirmed, without addresses, name kept");
	resolver_submit(rs, &none, 3000, LONG_AGO, on_result, &s);
	CHECK(collect(rs, 1, LONG_AGO, &s) == 1 &&
	    s.status == RESOLVER_NO_NAME && s.name[0] == '\0',
	    "an address without a name: no name");
	resolver_submit(rs, &lo6, 3000, LONG_AGO, on_result, &s);
	CHECK(collect(rs, 1, LONG_AGO, &s) == 1 && s.status == RESOLVER_OK &&
	    s.has_sender && addr_equal(&s.sender, &lo6),
	    "an IPv6 sender travels as one");
	resolver_destroy(rs);

	/* The largest answer fits resolver_socketpair()'s buffers. */
	c = config(2, 16, RESOLVER_ADDRS_MAX, false);
	rs = resolver_connect(sv.sv[0], &c, 2);
	resolver_submit(rs, &many, 3000, LONG_AGO, on_result, &s);
	CHECK(collect(rs, 1, LONG_AGO, &s) == 1 && s.status == RESOLVER_OK &&
	    s.count == RESOLVER_ADDRS_MAX, "a name with %d addresses: the "
	    "most, %d, arrive in one answer (%zu)", MANY, RESOLVER_ADDRS_MAX,
	    s.count);
	resolver_destroy(rs);
	CHECK(serve_end(&sv) == 0, "end of file ends the resolver process's "
	    "loop with 0");
	CHECK(sv.stats.configured == 2 && sv.stats.lookups == 6 &&
	    sv.stats.refused == 0 && sv.stats.dropped == 0 &&
	    sv.stats.unsent == 0, "it counted 2 configurations, 6 lookups, "
	    "nothing refused, dropped or lost");
}

static void
test_dropped(void)
{
	struct resolver_config c = config(1, 1, 32, true);
	struct mx_addr busy = addr("127.0.0.3"), queued = addr("127.0.0.4");
	struct mx_addr lo = addr("127.0.0.1");
	struct resolver *rs;
	struct served sv;
	struct seen s;

	memset(&s, 0, sizeof(s));
	gate_set(true);
	serve_start(&sv);
	rs = resolver_connect(sv.sv[0], &c, 3);
	CHECK(resolver_submit(rs, &busy, 2000, LONG_AGO, on_result, &s) ==
	    RESOLVER_QUEUED && gate_wait_for(1), "the one thread is busy");
	CHECK(resolver_submit(rs, &queued, 2000, LONG_AGO, on_result, &s) ==
	    RESOLVER_QUEUED, "a second lookup fills the queue of one");
	CHECK(resolver_submit(rs, &lo, 2222, LONG_AGO, on_result, &s) ==
	    RESOLVER_QUEUED, "a third is sent");
	CHECK(collect(rs, 1, LONG_AGO, &s) == 1 &&
	    s.status == RESOLVER_DROPPED && addr_equal(&s.sender, &lo) &&
	    s.expires == 2222 && s.count == 0 && s.name[0] == '\0' &&
	    !s.cached, "and comes back DROPPED, with its sender and expiry");
	CHECK(resolver_pending(rs) == 2, "two lookups still pending");
	gate_set(false);
	CHECK(collect(rs, 2, LONG_AGO, &s) == 2 &&
	    s.status == RESOLVER_NO_NAME && resolver_pending(rs) == 0,
	    "the gate open, both come back");
	resolver_destroy(rs);
	CHECK(serve_end(&sv) == 0 && sv.stats.dropped == 1 &&
	    sv.stats.lookups == 3, "the resolver process counted one drop");
}

static void
test_reconfigure(void)
{
	struct resolver_config c = config(1, 16, 1, true);
	struct mx_addr lo = addr("127.0.0.1"), liar = addr("127.0.0.2");
	struct resolver *rs;
	struct served sv;
	struct seen s;

	memset(&s, 0, sizeof(s));
	serve_start(&sv);
	rs = resolver_connect(sv.sv[0], &c, 4);
	resolver_submit(rs, &liar, 2000, LONG_AGO, on_result, &s);
	CHECK(collect(rs, 1, LONG_AGO, &s) == 1 &&
	    s.status == RESOLVER_UNCONFIRMED, "forward confirmation on: "
	    "the liar is unconfirmed");
	resolver_submit(rs, &lo, 2000, LONG_AGO, on_result, &s);
	CHECK(readable(sv.sv[0], 5000), "an answer (one address) waits, not "
	    "collected");
	resolver_destroy(rs);

	/* The new client asks about the same sender: one answer is its. */
	c = config(3, 32, 32, false);
	rs = resolver_connect(sv.sv[0], &c, 5);
	s.calls = 0;
	resolver_submit(rs, &lo, 2500, LONG_AGO, on_result, &s);
	CHECK(collect(rs, 1, LONG_AGO, &s) == 1 && s.calls == 1 &&
	    s.count == 2 && !s.cached && s.expires == 2500,
	    "after STOP and a new CONFIGURE the old client's answer is "
	    "dropped; the new one has max-addresses 32 (%zu) and an empty "
	    "cache", s.count);
	resolver_submit(rs, &liar, 2000, LONG_AGO, on_result, &s);
	CHECK(collect(rs, 1, LONG_AGO, &s) == 1 && s.status == RESOLVER_OK &&
	    s.count == 1 && !s.has_sender, "forward confirmation off: the "
	    "liar's address is taken");
	resolver_destroy(rs);

	/* A request out of turn: after STOP, before CONFIGURE. */
	{
		struct resolver_msg_lookup m;
		union resolver_answer ans;
		char why[128];
		ssize_t n;

		memset(&m, 0, sizeof(m));
		m.hdr.version = RESOLVER_MSG_VERSION;
		m.hdr.op = RESOLVER_OP_LOOKUP;
		m.expires = 2000;
		resolver_msg_addr_put(&m.sender, &lo);
		CHECK(send(sv.sv[0], &m, sizeof(m), 0) == (ssize_t)sizeof(m),
		    "a LOOKUP after STOP is sent");
		n = readable(sv.sv[0], 5000) ? recv(sv.sv[0], &ans,
		    sizeof(ans), 0) : -1;
		CHECK(n > 0 && resolver_check_answer(&ans, (size_t)n, 32,
		    LONG_AGO, why, sizeof(why)) == 0 &&
		    ans.hdr.op == RESOLVER_OP_DROPPED,
		    "and answered DROPPED");
	}
	CHECK(serve_end(&sv) == 0 && sv.stats.refused == 1 &&
	    sv.stats.configured == 2, "and counted as refused");
}

/* An answer that can never fit the socket comes back as DROPPED. */
static void
test_too_large(void)
{
	struct resolver_config c = config(1, 16, RESOLVER_ADDRS_MAX, false);
	struct mx_addr many = addr("127.0.0.5");
	struct resolver *rs;
	struct served sv;
	struct seen s;
	int small = 4096;

	memset(&s, 0, sizeof(s));
	memset(&sv, 0, sizeof(sv));
	socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv.sv);
	setsockopt(sv.sv[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	pthread_create(&sv.thread, NULL, serve_thread, &sv);
	rs = resolver_connect(sv.sv[0], &c, 6);
	resolver_submit(rs, &many, 2000, LONG_AGO, on_result, &s);
	CHECK(collect(rs, 1, LONG_AGO, &s) == 1 &&
	    s.status == RESOLVER_DROPPED && s.expires == 2000,
	    "%d addresses through a small socket buffer: DROPPED",
	    RESOLVER_ADDRS_MAX);
	resolver_destroy(rs);
	CHECK(serve_end(&sv) == 0 && sv.stats.dropped == 1 &&
	    sv.stats.unsent == 0, "counted as dropped, not lost");
}

/*
 * Messages built by hand.  Requests and answers live in their unions, as
 * received; a RESULT in a buffer with room past its largest size.
 */
static char why[256];

static union resolver_request *
request(enum resolver_op op)
{
	static union {
		union resolver_request	req;
		char			room[sizeof(union resolver_request) + 64];
	} buf;
	union resolver_request *r = &buf.req;
	struct mx_addr sender = addr("192.0.2.1");

	memset(&buf, 0, sizeof(buf));
	r->hdr.version = RESOLVER_MSG_VERSION;
	r->hdr.op = op;
	if (op == RESOLVER_OP_CONFIGURE) {
		r->configure.generation = 7;
		r->configure.threads = 4;
		r->configure.queue_size = 4096;
		r->configure.cache_size = 16384;
		r->configure.max_addresses = 32;
		r->configure.forward_confirm = 1;
		r->configure.cache_time = 600;
	} else if (op == RESOLVER_OP_LOOKUP) {
		r->lookup.expires = 5000;
		resolver_msg_addr_put(&r->lookup.sender, &sender);
	}
	return r;
}

/*
 * The checks see a copy of exactly len bytes: reading past a message's
 * length is caught by ASan and valgrind.
 */
static int
check_copy(const void *msg, size_t len, bool answer, size_t max_addresses)
{
	void *copy = malloc(len > 0 ? len : 1);
	int rc;

	memcpy(copy, msg, len);
	why[0] = '\0';
	if (answer)
		rc = resolver_check_answer(copy, len, max_addresses, 1000, why,
		    sizeof(why));
	else
		rc = resolver_check_request(copy, len, 1000, why, sizeof(why));
	free(copy);
	return rc;
}

static int
check_req(const void *req, size_t len)
{
	return check_copy(req, len, false, 0);
}

#define CONF_SIZE	sizeof(struct resolver_msg_configure)
#define LOOKUP_SIZE	sizeof(struct resolver_msg_lookup)
#define YEAR_AND_DAY	(366LL * 24 * 3600)

static void
test_check_request(void)
{
	union resolver_request *r;
	struct mx_addr v6 = addr("2001:db8::1");

	r = request(RESOLVER_OP_CONFIGURE);
	CHECK(check_req(r, CONF_SIZE) == 0, "CONFIGURE accepted (%s)", why);
	r = request(RESOLVER_OP_LOOKUP);
	CHECK(check_req(r, LOOKUP_SIZE) == 0, "LOOKUP of an IPv4 sender "
	    "accepted (%s)", why);
	resolver_msg_addr_put(&r->lookup.sender, &v6);
	CHECK(check_req(r, LOOKUP_SIZE) == 0, "LOOKUP of an IPv6 sender "
	    "accepted (%s)", why);
	r->lookup.expires = 1000 + YEAR_AND_DAY;
	CHECK(check_req(r, LOOKUP_SIZE) == 0, "expiry a whitelist-time "
	    "ahead accepted (%s)", why);
	r->lookup.expires = 0;
	CHECK(check_req(r, LOOKUP_SIZE) == 0, "expiry in the past accepted "
	    "(%s)", why);
	r = request(RESOLVER_OP_STOP);
	CHECK(check_req(r, sizeof(struct resolver_msg_stop)) == 0,
	    "STOP accepted (%s)", why);

	r = request(RESOLVER_OP_STOP);
	CHECK(check_req(r, 7) == -1, "short message refused (%s)", why);
	CHECK(check_req(r, 0) == -1, "empty message refused (%s)", why);
	CHECK(check_req(r, 9) == -1, "long STOP refused (%s)", why);
	r = request(RESOLVER_OP_LOOKUP);
	CHECK(check_req(r, LOOKUP_SIZE + 1) == -1, "long LOOKUP refused (%s)",
	    why);
	CHECK(check_req(r, LOOKUP_SIZE - 4) == -1, "short LOOKUP refused "
	    "(%s)", why);
	CHECK(check_req(r, 8) == -1, "LOOKUP header alone refused (%s)", why);
	CHECK(check_req(r, 6) == -1, "half a header refused (%s)", why);
	r = request(RESOLVER_OP_CONFIGURE);
	CHECK(check_req(r, CONF_SIZE + 8) == -1, "long CONFIGURE refused "
	    "(%s)", why);
	r->hdr.version = 2;
	CHECK(check_req(r, CONF_SIZE) == -1, "version 2 refused (%s)", why);
	r->hdr.version = 0;
	CHECK(check_req(r, CONF_SIZE) == -1, "version 0 refused (%s)", why);
	r = request(0);
	CHECK(check_req(r, 8) == -1, "operation 0 refused (%s)", why);
	r = request(RESOLVER_OP_STOP + 1);
	CHECK(check_req(r, 8) == -1, "unknown operation refused (%s)", why);
	r = request(RESOLVER_OP_RESULT);
	CHECK(check_req(r, 8) == -1, "an answer's operation refused (%s)",
	    why);

	r = request(RESOLVER_OP_CONFIGURE);
	r->configure.generation = 0;
	CHECK(check_req(r, CONF_SIZE) == -1, "generation 0 refused (%s)",
	    why);
	r = request(RESOLVER_OP_CONFIGURE);
	r->configure.threads = 0;
	CHECK(check_req(r, CONF_SIZE) == -1, "0 threads refused (%s)", why);
	r->configure.threads = 65;
	CHECK(check_req(r, CONF_SIZE) == -1, "65 threads refused (%s)", why);
	r = request(RESOLVER_OP_CONFIGURE);
	r->configure.queue_size = 0;
	CHECK(check_req(r, CONF_SIZE) == -1, "queue of 0 refused (%s)", why);
	r->configure.queue_size = 1048577;
	CHECK(check_req(r, CONF_SIZE) == -1, "queue past dns-queue's limit "
	    "refused (%s)", why);
	r = request(RESOLVER_OP_CONFIGURE);
	r->configure.cache_size = 0;
	CHECK(check_req(r, CONF_SIZE) == -1, "cache of 0 refused (%s)", why);
	r = request(RESOLVER_OP_CONFIGURE);
	r->configure.cache_time = -1;
	CHECK(check_req(r, CONF_SIZE) == -1, "cache time -1 refused (%s)",
	    why);
	r->configure.cache_time = 86401;
	CHECK(check_req(r, CONF_SIZE) == -1, "cache time past a day refused "
	    "(%s)", why);
	r = request(RESOLVER_OP_CONFIGURE);
	r->configure.max_addresses = 0;
	CHECK(check_req(r, CONF_SIZE) == -1, "max-addresses 0 refused (%s)",
	    why);
	r->configure.max_addresses = RESOLVER_ADDRS_MAX + 1;
	CHECK(check_req(r, CONF_SIZE) == -1, "max-addresses %d refused (%s)",
	    RESOLVER_ADDRS_MAX + 1, why);
	r = request(RESOLVER_OP_CONFIGURE);
	r->configure.forward_confirm = 2;
	CHECK(check_req(r, CONF_SIZE) == -1, "forward_confirm 2 refused (%s)",
	    why);

	r = request(RESOLVER_OP_LOOKUP);
	r->lookup.pad = 1;
	CHECK(check_req(r, LOOKUP_SIZE) == -1, "LOOKUP padding refused (%s)",
	    why);
	r = request(RESOLVER_OP_LOOKUP);
	r->lookup.expires = -1;
	CHECK(check_req(r, LOOKUP_SIZE) == -1, "negative expiry refused (%s)",
	    why);
	r->lookup.expires = 1000 + YEAR_AND_DAY + 1;
	CHECK(check_req(r, LOOKUP_SIZE) == -1, "expiry past the longest "
	    "whitelist-time refused (%s)", why);
	r->lookup.expires = INT64_MAX;
	CHECK(check_req(r, LOOKUP_SIZE) == -1, "expiry INT64_MAX refused "
	    "(%s)", why);
	r = request(RESOLVER_OP_LOOKUP);
	r->lookup.sender.family = 5;
	CHECK(check_req(r, LOOKUP_SIZE) == -1, "family 5 refused (%s)", why);
	r->lookup.sender.family = 0;
	CHECK(check_req(r, LOOKUP_SIZE) == -1, "family 0 refused (%s)", why);
	r = request(RESOLVER_OP_LOOKUP);
	r->lookup.sender.bits = 24;
	CHECK(check_req(r, LOOKUP_SIZE) == -1, "IPv4 /24 refused (%s)", why);
	r = request(RESOLVER_OP_LOOKUP);
	r->lookup.sender.addr[4] = 1;
	CHECK(check_req(r, LOOKUP_SIZE) == -1, "bits past an IPv4 address "
	    "refused (%s)", why);
	r = request(RESOLVER_OP_LOOKUP);
	r->lookup.sender.addr[15] = 0x80;
	CHECK(check_req(r, LOOKUP_SIZE) == -1, "a bit at the end of an IPv4 "
	    "address's field refused (%s)", why);
	r = request(RESOLVER_OP_LOOKUP);
	r->lookup.sender.pad[1] = 1;
	CHECK(check_req(r, LOOKUP_SIZE) == -1, "address padding refused (%s)",
	    why);
	r = request(RESOLVER_OP_LOOKUP);
	resolver_msg_addr_put(&r->lookup.sender, &v6);
	r->lookup.sender.bits = 64;
	CHECK(check_req(r, LOOKUP_SIZE) == -1, "IPv6 /64 refused (%s)", why);
	r = request(RESOLVER_OP_LOOKUP);
	r->lookup.sender.family = 6;
	r->lookup.sender.bits = 128;
	memcpy(r->lookup.sender.addr, addr_v4mapped_prefix,
	    ADDR_V4MAPPED_LEN);
	r->lookup.sender.addr[15] = 1;
	CHECK(check_req(r, LOOKUP_SIZE) == -1, "IPv4-mapped IPv6 refused "
	    "(%s)", why);
}

static struct resolver_msg_result *
result(uint32_t count)
{
	static union {
		union resolver_answer	ans;
		char			room[RESOLVER_RESULT_SIZE(1100)];
	} buf;
	struct resolver_msg_result *r = &buf.ans.result;
	struct mx_addr a;
	char text[64];
	uint32_t i;

	memset(&buf, 0, sizeof(buf));
	r->hdr.version = RESOLVER_MSG_VERSION;
	r->hdr.op = RESOLVER_OP_RESULT;
	r->generation = 3;
	r->status = RESOLVER_OK;
	r->count = count;
	r->expires = 5000;
	a = addr("192.0.2.1");
	resolver_msg_addr_put(&r->sender, &a);
	snprintf(r->name, sizeof(r->name), "mail.example.org");
	for (i = 0; i < count && i < 1100; i++) {
		snprintf(text, sizeof(text), i % 2 ? "2001:db8::%x" :
		    "192.0.2.%u", i % 2 ? i : i % 256);
		a = addr(text);
		resolver_msg_addr_put(&r->addrs[i], &a);
	}
	return r;
}

static struct resolver_msg_dropped *
dropped(void)
{
	static union resolver_answer ans;
	struct mx_addr a = addr("2001:db8::5");

	memset(&ans, 0, sizeof(ans));
	ans.hdr.version = RESOLVER_MSG_VERSION;
	ans.hdr.op = RESOLVER_OP_DROPPED;
	ans.dropped.generation = 3;
	ans.dropped.expires = 5000;
	resolver_msg_addr_put(&ans.dropped.sender, &a);
	return &ans.dropped;
}

static int
check_ans(const void *ans, size_t len)
{
	return check_copy(ans, len, true, 32);
}

#define DROPPED_SIZE	sizeof(struct resolver_msg_dropped)
#define RS		RESOLVER_RESULT_SIZE

static void
test_check_answer(void)
{
	struct resolver_msg_result *r;
	struct resolver_msg_dropped *d;
	struct mx_addr a;

	r = result(2);
	CHECK(check_ans(r, RS(2)) == 0, "RESULT with 2 addresses accepted "
	    "(%s)", why);
	r = result(32);
	CHECK(check_ans(r, RS(32)) == 0, "RESULT with max-addresses (32) "
	    "accepted (%s)", why);
	r = result(0);
	r->status = RESOLVER_NO_NAME;
	r->cached = 1;
	memset(r->name, 0, sizeof(r->name));
	CHECK(check_ans(r, RS(0)) == 0, "cached RESULT without a name "
	    "accepted (%s)", why);
	r = result(0);
	r->status = RESOLVER_FAILED;
	CHECK(check_ans(r, RS(0)) == 0, "failed RESULT accepted (%s)", why);
	r = result(1);
	memset(r->name, 'a', sizeof(r->name) - 1);
	CHECK(check_ans(r, RS(1)) == 0, "a 255-character name accepted (%s)",
	    why);
	d = dropped();
	CHECK(check_ans(d, DROPPED_SIZE) == 0, "DROPPED accepted (%s)", why);

	r = result(1);
	CHECK(check_ans(r, 4) == -1, "short message refused (%s)", why);
	CHECK(check_ans(r, RS(0) - 1) == -1, "RESULT without its fixed part "
	    "refused (%s)", why);
	CHECK(check_ans(r, 12) == -1, "RESULT cut after its generation "
	    "refused (%s)", why);
	CHECK(check_ans(r, RS(1) + 1) == -1, "long RESULT refused (%s)", why);
	CHECK(check_ans(r, RS(2)) == -1, "length for more addresses than "
	    "counted refused (%s)", why);
	CHECK(check_ans(r, RS(1) - 1) == -1, "length short of the count "
	    "refused (%s)", why);
	r = result(3);
	CHECK(check_ans(r, RS(2)) == -1, "count beyond the length refused "
	    "(%s)", why);
	r = result(33);
	CHECK(check_ans(r, RS(33)) == -1, "33 addresses, 32 configured, "
	    "refused (%s)", why);
	r = result(RESOLVER_ADDRS_MAX + 1);
	CHECK(check_copy(r, RS(RESOLVER_ADDRS_MAX + 1), true,
	    RESOLVER_ADDRS_MAX + 100) == -1,
	    "more than %d addresses refused, whatever is configured (%s)",
	    RESOLVER_ADDRS_MAX, why);
	r = result(1);
	r->count = UINT32_MAX;
	CHECK(check_ans(r, RS(1)) == -1, "count 2^32-1 refused (%s)", why);
	r = result(1);
	r->hdr.version = 2;
	CHECK(check_ans(r, RS(1)) == -1, "version 2 refused (%s)", why);
	r = result(1);
	r->hdr.op = RESOLVER_OP_LOOKUP;
	CHECK(check_ans(r, RS(1)) == -1, "a request's operation refused "
	    "(%s)", why);
	r->hdr.op = RESOLVER_OP_DROPPED + 1;
	CHECK(check_ans(r, RS(1)) == -1, "unknown operation refused (%s)",
	    why);
	r = result(0);
	r->status = RESOLVER_DROPPED;
	CHECK(check_ans(r, RS(0)) == -1, "status DROPPED in a RESULT refused "
	    "(%s)", why);
	r->status = 1000;
	CHECK(check_ans(r, RS(0)) == -1, "status 1000 refused (%s)", why);
	r = result(1);
	r->status = RESOLVER_UNCONFIRMED;
	CHECK(check_ans(r, RS(1)) == -1, "addresses with an unconfirmed "
	    "name refused (%s)", why);
	r = result(1);
	r->cached = 2;
	CHECK(check_ans(r, RS(1)) == -1, "cached 2 refused (%s)", why);
	r = result(1);
	r->expires = -5;
	CHECK(check_ans(r, RS(1)) == -1, "negative expiry refused (%s)", why);
	r->expires = 1000 + YEAR_AND_DAY + 1;
	CHECK(check_ans(r, RS(1)) == -1, "expiry too far ahead refused (%s)",
	    why);
	r = result(1);
	r->sender.family = 10;
	CHECK(check_ans(r, RS(1)) == -1, "sender of family 10 refused (%s)",
	    why);
	r = result(2);
	r->addrs[1].family = 0;
	CHECK(check_ans(r, RS(2)) == -1, "address of family 0 refused (%s)",
	    why);
	r = result(2);
	r->addrs[0].addr[7] = 1;
	CHECK(check_ans(r, RS(2)) == -1, "bits past an IPv4 address refused "
	    "(%s)", why);
	r = result(2);
	r->addrs[1].bits = 127;
	CHECK(check_ans(r, RS(2)) == -1, "IPv6 /127 refused (%s)", why);
	r = result(2);
	r->addrs[1].pad[0] = 0xff;
	CHECK(check_ans(r, RS(2)) == -1, "address padding refused (%s)", why);
	r = result(2);
	a = addr("::ffff:192.0.2.7");
	memcpy(r->addrs[1].addr, a.a, 16);
	CHECK(check_ans(r, RS(2)) == -1, "IPv4-mapped IPv6 address refused "
	    "(%s)", why);
	r = result(1);
	memset(r->name, 'a', sizeof(r->name));
	CHECK(check_ans(r, RS(1)) == -1, "unterminated name refused (%s)",
	    why);
	r = result(1);
	r->name[sizeof(r->name) - 1] = 'x';
	CHECK(check_ans(r, RS(1)) == -1, "name not zero-padded at its end "
	    "refused (%s)", why);
	r = result(1);
	r->name[strlen(r->name) + 1] = 'x';
	CHECK(check_ans(r, RS(1)) == -1, "bytes just after the name's NUL "
	    "refused (%s)", why);

	d = dropped();
	CHECK(check_ans(d, DROPPED_SIZE + 4) == -1, "long DROPPED refused "
	    "(%s)", why);
	CHECK(check_ans(d, DROPPED_SIZE - 4) == -1, "short DROPPED refused "
	    "(%s)", why);
	d->pad = 1;
	CHECK(check_ans(d, DROPPED_SIZE) == -1, "DROPPED padding refused "
	    "(%s)", why);
	d = dropped();
	d->pad2 = 1;
	CHECK(check_ans(d, DROPPED_SIZE) == -1, "DROPPED trailing padding "
	    "refused (%s)", why);
	d = dropped();
	d->expires = INT64_MIN;
	CHECK(check_ans(d, DROPPED_SIZE) == -1, "DROPPED expiry INT64_MIN "
	    "refused (%s)", why);
	d = dropped();
	d->sender.addr[0] = 0;
	d->sender.family = 4;
	d->sender.bits = 32;
	CHECK(check_ans(d, DROPPED_SIZE) == -1, "DROPPED IPv4 sender with "
	    "IPv6 bits refused (%s)", why);
}

/* The test plays the resolver process: raw answers to a real client. */
static ssize_t
send_raw(int fd, const void *msg, size_t len)
{
	return send(fd, msg, len, MSG_NOSIGNAL);
}

static void
test_client_refuses(void)
{
	struct resolver_config c = config(2, 16, 32, true);
	struct mx_addr lo = addr("127.0.0.1"), other = addr("127.0.0.8");
	union resolver_request req;
	struct resolver_msg_result *r;
	struct resolver_msg_dropped *d;
	struct resolver *rs;
	struct seen s;
	int sv[2], fd;
	char big[sizeof(union resolver_answer) + 64];
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	ssize_t n;
	uint32_t gen;
	int skipped_after = -1, i;

	memset(&s, 0, sizeof(s));
	resolver_socketpair(sv);
	rs = resolver_connect(sv[0], &c, 7);
	n = recv(sv[1], &req, sizeof(req), MSG_DONTWAIT);
	CHECK(n == (ssize_t)CONF_SIZE && check_req(&req, (size_t)n) == 0 &&
	    req.hdr.op == RESOLVER_OP_CONFIGURE &&
	    req.configure.threads == 2 && req.configure.queue_size == 16 &&
	    req.configure.cache_size == 64 &&
	    req.configure.cache_time == 600 &&
	    req.configure.max_addresses == 32 &&
	    req.configure.forward_confirm == 1,
	    "resolver_connect sends the settings in a CONFIGURE (%s)", why);
	gen = req.configure.generation;
	resolver_submit(rs, &lo, 2000, LONG_AGO, on_result, &s);
	n = recv(sv[1], &req, sizeof(req), MSG_DONTWAIT);
	CHECK(n == (ssize_t)LOOKUP_SIZE && req.hdr.op == RESOLVER_OP_LOOKUP &&
	    req.lookup.expires == 2000 && req.lookup.sender.family == 4 &&
	    req.lookup.sender.addr[0] == 127 && req.lookup.sender.addr[3] == 1,
	    "resolver_submit sends a LOOKUP");

	r = result(1);
	r->generation = gen;
	resolver_msg_addr_put(&r->sender, &lo);
	r->status = 7;
	send_raw(sv[1], r, RS(1));
	r->status = RESOLVER_OK;
	send_raw(sv[1], r, RS(1) - 3);
	r->name[RESOLVER_NAME_SIZE - 1] = 'x';
	send_raw(sv[1], r, RS(1));
	r->name[RESOLVER_NAME_SIZE - 1] = '\0';
	r->addrs[0].addr[9] = 1;
	send_raw(sv[1], r, RS(1));
	r->addrs[0].addr[9] = 0;
	memset(big, 0, sizeof(big));
	memcpy(big, r, RS(1));
	send_raw(sv[1], big, sizeof(big));
	/* One with a descriptor attached. */
	memset(&msg, 0, sizeof(msg));
	memset(cbuf, 0, sizeof(cbuf));
	iov.iov_base = r;
	iov.iov_len = RS(1);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	fd = open("/dev/null", O_RDONLY);
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	sendmsg(sv[1], &msg, MSG_NOSIGNAL);
	close(fd);
	s.calls = 0;
	CHECK(readable(sv[0], 1000) &&
	    resolver_collect(rs, LONG_AGO, on_result, &s) == 0 && s.calls == 0,
	    "bad status, short, unpadded name, stray bits, oversized and a "
	    "descriptor attached: all refused");
	CHECK(resolver_pending(rs) == 1, "the lookup still waits");

	r->generation = gen + 1;
	send_raw(sv[1], r, RS(1));
	r->generation = gen;
	resolver_msg_addr_put(&r->sender, &other);
	send_raw(sv[1], r, RS(1));
	CHECK(readable(sv[0], 1000) &&
	    resolver_collect(rs, LONG_AGO, on_result, &s) == 0 && s.calls == 0,
	    "an answer of another generation and one for a sender not asked "
	    "about: dropped");

	resolver_msg_addr_put(&r->sender, &lo);
	r->expires = 900000;
	send_raw(sv[1], r, RS(1));
	send_raw(sv[1], r, RS(1));
	CHECK(readable(sv[0], 1000) &&
	    resolver_collect(rs, LONG_AGO, on_result, &s) == 1 &&
	    s.calls == 1 && s.expires == 2000 && s.status == RESOLVER_OK &&
	    strcmp(s.name, "mail.example.org") == 0 && s.count == 1,
	    "the answer is taken once, with the engine's expiry, not the "
	    "answer's (%lld)", (long long)s.expires);
	CHECK(resolver_pending(rs) == 0, "nothing pending");

	/* A DROPPED for a sender asked about. */
	resolver_submit(rs, &other, 3000, LONG_AGO, on_result, &s);
	(void)recv(sv[1], &req, sizeof(req), MSG_DONTWAIT);
	d = dropped();
	d->generation = gen;
	resolver_msg_addr_put(&d->sender, &other);
	send_raw(sv[1], d, DROPPED_SIZE);
	CHECK(readable(sv[0], 1000) &&
	    resolver_collect(rs, LONG_AGO, on_result, &s) == 1 &&
	    s.status == RESOLVER_DROPPED && s.expires == 3000,
	    "a DROPPED is handed over as such");

	/* Nobody reads the requests: the socket fills, lookups are skipped. */
	for (i = 0; i < 100000 && skipped_after == -1; i++) {
		struct mx_addr a;

		memset(&a, 0, sizeof(a));
		a.a[0] = 0x20;
		a.a[1] = 0x01;
		a.a[12] = (uint8_t)(i >> 24);
		a.a[13] = (uint8_t)(i >> 16);
		a.a[14] = (uint8_t)(i >> 8);
		a.a[15] = (uint8_t)i;
		if (resolver_submit(rs, &a, 2000, LONG_AGO, on_result, &s) ==
		    RESOLVER_SKIPPED)
			skipped_after = i;
	}
	CHECK(skipped_after > 0, "a full socket skips lookups without "
	    "waiting (after %d)", skipped_after);

	close(sv[1]);
	CHECK(resolver_collect(rs, LONG_AGO, on_result, &s) == 0 &&
	    resolver_fd(rs) == -1, "at end of file the client stops polling");
	CHECK(resolver_submit(rs, &lo, 2000, LONG_AGO, on_result, &s) ==
	    RESOLVER_SKIPPED, "and skips every lookup");
	resolver_destroy(rs);
	CHECK(fcntl(sv[0], F_GETFD) != -1, "resolver_destroy leaves the "
	    "descriptor open");
	close(sv[0]);
}

/* Malformed requests reach a live resolver process: refused, not fatal. */
static void
test_server_refuses(void)
{
	union resolver_request *r;
	union resolver_answer ans;
	char big[sizeof(union resolver_request) + 16];
	char buf[8];
	struct served sv;
	ssize_t n;
	int refused = 0;

	serve_start(&sv);
	r = request(RESOLVER_OP_LOOKUP);
	send_raw(sv.sv[0], r, 5), refused++;
	send_raw(sv.sv[0], r, LOOKUP_SIZE + 1), refused++;
	r->lookup.sender.family = 9;
	send_raw(sv.sv[0], r, LOOKUP_SIZE), refused++;
	r = request(RESOLVER_OP_CONFIGURE);
	r->configure.threads = 1000;
	send_raw(sv.sv[0], r, CONF_SIZE), refused++;
	r->hdr.version = 9;
	send_raw(sv.sv[0], r, CONF_SIZE), refused++;
	memset(big, 0, sizeof(big));
	send_raw(sv.sv[0], big, sizeof(big)), refused++;
	memset(buf, 0xff, sizeof(buf));
	send_raw(sv.sv[0], buf, sizeof(buf)), refused++;

	r = request(RESOLVER_OP_CONFIGURE);
	send_raw(sv.sv[0], r, CONF_SIZE);
	r = request(RESOLVER_OP_LOOKUP);
	r->lookup.expires = 2000;
	send_raw(sv.sv[0], r, LOOKUP_SIZE);
	n = readable(sv.sv[0], 5000) ? recv(sv.sv[0], &ans, sizeof(ans), 0) :
	    -1;
	CHECK(n > 0 && resolver_check_answer(&ans, (size_t)n, 32, LONG_AGO,
	    why, sizeof(why)) == 0 && ans.hdr.op == RESOLVER_OP_RESULT &&
	    ans.result.generation == 7 && ans.result.expires == 2000 &&
	    ans.result.status == RESOLVER_NO_NAME,
	    "after %d malformed requests the resolver process still "
	    "answers (%s)", refused, why);
	CHECK(serve_end(&sv) == 0 && sv.stats.refused == (uint64_t)refused,
	    "each was refused (%llu of %d)",
	    (unsigned long long)sv.stats.refused, refused);
}

/* The daemon counts a DROPPED answer as a skipped lookup. */
static void
test_daemon(void)
{
	static const struct mx_port port = { .name = "test" };
	struct mx_addr busy = addr("127.0.0.3"), queued = addr("127.0.0.4");
	struct mx_addr lo = addr("127.0.0.1"), lo6 = addr("::1");
	struct served sv;
	struct mxd d;
	int64_t now = mxd_now();
	int rounds;

	memset(&d, 0, sizeof(d));
	d.names_remote_fd = -1;
	d.port = &port;
	config_init(&d.cfg);
	d.cfg.dns_threads = 1;
	d.cfg.dns_queue = 1;
	CHECK(mxd_init_core(&d, 8) == 0, "daemon core set up");
	serve_start(&sv);
	d.resolver_remote_fd = sv.sv[0];
	gate_set(true);
	mxd_resolver_start(&d);
	CHECK(d.resolver != NULL && resolver_fd(d.resolver) == sv.sv[0],
	    "mxd_resolver_start connects to the resolver process");
	mxd_find_siblings(&d, MX_WHITELIST, &busy, now);
	CHECK(gate_wait_for(1), "its thread is busy");
	mxd_find_siblings(&d, MX_WHITELIST, &queued, now);
	mxd_find_siblings(&d, MX_REFRESH, &lo, now);
	for (rounds = 0; rounds < 50 && d.stats.rdns_skipped == 0; rounds++)
		if (readable(sv.sv[0], 100))
			mxd_resolver_collect(&d, now);
	CHECK(d.stats.rdns_skipped == 1 && d.stats.rdns_lookups == 0 &&
	    d.stats.rdns_failed == 0, "a DROPPED answer counts as a skipped "
	    "lookup (%llu), not as a lookup",
	    (unsigned long long)d.stats.rdns_skipped);
	gate_set(false);
	for (rounds = 0; rounds < 50 && d.stats.rdns_lookups < 2; rounds++)
		if (readable(sv.sv[0], 100))
			mxd_resolver_collect(&d, now);
	CHECK(d.stats.rdns_lookups == 2 && d.stats.rdns_failed == 2,
	    "the two others are counted as failed lookups");
	mxd_find_siblings(&d, MX_WHITELIST, &lo, now);
	for (rounds = 0; rounds < 50 && d.stats.rdns_lookups < 3; rounds++)
		if (readable(sv.sv[0], 100))
			mxd_resolver_collect(&d, now);
	CHECK(d.stats.rdns_siblings == 1 &&
	    wl_contains(d.wl, &lo6, now), "a sibling is whitelisted through "
	    "the resolver process");
	resolver_destroy(d.resolver);
	CHECK(serve_end(&sv) == 0, "the resolver process ends");
	wl_destroy(d.wl);
	report_destroy(d.report);
	config_free(&d.cfg);
}

/*
 * The names socket (the allow list's host names): NAME_LOOKUP and
 * NAME_RESULT checked field by field, then both ends over a socketpair.
 */
static struct resolver_msg_name_lookup *
name_request(const char *name)
{
	static struct resolver_msg_name_lookup m;

	memset(&m, 0, sizeof(m));
	m.hdr.version = RESOLVER_MSG_VERSION;
	m.hdr.op = RESOLVER_OP_NAME_LOOKUP;
	m.id = 7;
	memcpy(m.name, name, strlen(name));
	return &m;
}

static int
check_name_req(const void *m, size_t len)
{
	return resolver_check_name_request(m, len, why, sizeof(why));
}

static void
test_check_name_request(void)
{
	struct resolver_msg_name_lookup *m;
	union resolver_request *r;
	size_t size = sizeof(*m);

	m = name_request("mail.example.org");
	CHECK(check_name_req(m, size) == 0, "NAME_LOOKUP accepted (%s)", why);
	CHECK(check_name_req(m, 7) == -1, "NAME_LOOKUP: short message "
	    "refused (%s)", why);
	CHECK(check_name_req(m, size - 1) == -1, "NAME_LOOKUP: short "
	    "refused (%s)", why);
	CHECK(check_name_req(m, size + 1) == -1, "NAME_LOOKUP: long refused "
	    "(%s)", why);
	m->hdr.version = 2;
	CHECK(check_name_req(m, size) == -1, "NAME_LOOKUP: another version "
	    "refused (%s)", why);
	m = name_request("mail.example.org");
	m->hdr.op = RESOLVER_OP_LOOKUP;
	CHECK(check_name_req(m, size) == -1, "names socket: a sibling "
	    "LOOKUP refused (%s)", why);
	m->hdr.op = RESOLVER_OP_NAME_RESULT;
	CHECK(check_name_req(m, size) == -1, "names socket: an answer as a "
	    "request refused (%s)", why);
	m = name_request("mail.example.org");
	m->id = 0;
	CHECK(check_name_req(m, size) == -1, "NAME_LOOKUP: id 0 refused "
	    "(%s)", why);
	m = name_request("mail.example.org");
	m->pad = 1;
	CHECK(check_name_req(m, size) == -1, "NAME_LOOKUP: padding not zero "
	    "refused (%s)", why);
	m = name_request("");
	CHECK(check_name_req(m, size) == -1, "NAME_LOOKUP: empty name "
	    "refused (%s)", why);
	m = name_request("mail.example.org");
	memset(m->name, 'a', sizeof(m->name));
	CHECK(check_name_req(m, size) == -1, "NAME_LOOKUP: name without NUL "
	    "refused (%s)", why);
	m = name_request("mail.example.org");
	m->name[sizeof(m->name) - 1] = 'x';
	CHECK(check_name_req(m, size) == -1, "NAME_LOOKUP: name not zero-"
	    "padded refused (%s)", why);
	/* And the siblings' socket takes none. */
	m = name_request("mail.example.org");
	r = (union resolver_request *)(void *)m;
	CHECK(resolver_check_request(r, size, 1000, why, sizeof(why)) == -1,
	    "siblings socket: NAME_LOOKUP refused (%s)", why);
}

static struct resolver_msg_name_result *
name_answer(const char *name, uint32_t status, uint32_t count)
{
	static struct resolver_msg_name_result m;
	struct mx_addr a;
	char text[64];
	uint32_t i;

	memset(&m, 0, sizeof(m));
	m.hdr.version = RESOLVER_MSG_VERSION;
	m.hdr.op = RESOLVER_OP_NAME_RESULT;
	m.id = 7;
	m.status = status;
	m.count = count;
	memcpy(m.name, name, strlen(name));
	for (i = 0; i < count && i < RESOLVER_NAME_ADDRS_MAX; i++) {
		snprintf(text, sizeof(text), "192.0.2.%u", i + 1);
		a = addr(text);
		resolver_msg_addr_put(&m.addrs[i], &a);
	}
	return &m;
}

static int
check_name_ans(const void *m, size_t len)
{
	return resolver_check_name_answer(m, len, why, sizeof(why));
}

static void
test_check_name_answer(void)
{
	struct resolver_msg_name_result *m;
	struct mx_addr v6 = addr("2001:db8::1");
	size_t one = RESOLVER_NAME_RESULT_SIZE(1);

	m = name_answer("a.test", RESOLVER_NAME_OK, 1);
	CHECK(check_name_ans(m, one) == 0, "NAME_RESULT with an address "
	    "accepted (%s)", why);
	resolver_msg_addr_put(&m->addrs[0], &v6);
	CHECK(check_name_ans(m, one) == 0, "NAME_RESULT with an IPv6 "
	    "address accepted (%s)", why);
	m = name_answer("a.test", RESOLVER_NAME_OK, RESOLVER_NAME_ADDRS_MAX);
	CHECK(check_name_ans(m, sizeof(*m)) == 0, "NAME_RESULT with %d "
	    "addresses accepted (%s)", RESOLVER_NAME_ADDRS_MAX, why);
	m = name_answer("a.test", RESOLVER_NAME_NONE, 0);
	CHECK(check_name_ans(m, RESOLVER_NAME_RESULT_SIZE(0)) == 0,
	    "NAME_RESULT: no such name accepted (%s)", why);
	m = name_answer("a.test", RESOLVER_NAME_FAILED, 0);
	CHECK(check_name_ans(m, RESOLVER_NAME_RESULT_SIZE(0)) == 0,
	    "NAME_RESULT: a failure accepted (%s)", why);

	m = name_answer("a.test", RESOLVER_NAME_OK, 1);
	CHECK(check_name_ans(m, 4) == -1, "NAME_RESULT: short message "
	    "refused (%s)", why);
	CHECK(check_name_ans(m, RESOLVER_NAME_RESULT_SIZE(0) - 1) == -1,
	    "NAME_RESULT: shorter than its fields refused (%s)", why);
	CHECK(check_name_ans(m, one + 1) == -1, "NAME_RESULT: length not "
	    "its count's refused (%s)", why);
	CHECK(check_name_ans(m, RESOLVER_NAME_RESULT_SIZE(2)) == -1,
	    "NAME_RESULT: an address more than its count refused (%s)", why);
	m->hdr.version = 0;
	CHECK(check_name_ans(m, one) == -1, "NAME_RESULT: another version "
	    "refused (%s)", why);
	m = name_answer("a.test", RESOLVER_NAME_OK, 1);
	m->hdr.op = RESOLVER_OP_RESULT;
	CHECK(check_name_ans(m, one) == -1, "names socket: a sibling "
	    "RESULT refused (%s)", why);
	m = name_answer("a.test", RESOLVER_NAME_OK, 1);
	m->count = RESOLVER_NAME_ADDRS_MAX + 1;
	CHECK(check_name_ans(m, sizeof(*m)) == -1, "NAME_RESULT: more than "
	    "%d addresses refused (%s)", RESOLVER_NAME_ADDRS_MAX, why);
	m->count = 0xffffffffu;
	CHECK(check_name_ans(m, one) == -1, "NAME_RESULT: a huge count "
	    "refused (%s)", why);
	m = name_answer("a.test", RESOLVER_NAME_OK, 1);
	m->id = 0;
	CHECK(check_name_ans(m, one) == -1, "NAME_RESULT: id 0 refused (%s)",
	    why);
	m = name_answer("a.test", RESOLVER_NAME_OK, 1);
	m->pad = 3;
	CHECK(check_name_ans(m, one) == -1, "NAME_RESULT: padding not zero "
	    "refused (%s)", why);
	m = name_answer("a.test", 3, 0);
	CHECK(check_name_ans(m, RESOLVER_NAME_RESULT_SIZE(0)) == -1,
	    "NAME_RESULT: unknown status refused (%s)", why);
	m = name_answer("a.test", RESOLVER_NAME_NONE, 1);
	CHECK(check_name_ans(m, one) == -1, "NAME_RESULT: addresses with "
	    "no such name refused (%s)", why);
	m = name_answer("a.test", RESOLVER_NAME_FAILED, 1);
	CHECK(check_name_ans(m, one) == -1, "NAME_RESULT: addresses with a "
	    "failure refused (%s)", why);
	m = name_answer("a.test", RESOLVER_NAME_OK, 0);
	CHECK(check_name_ans(m, RESOLVER_NAME_RESULT_SIZE(0)) == -1,
	    "NAME_RESULT: found without an address refused (%s)", why);
	m = name_answer("", RESOLVER_NAME_OK, 1);
	CHECK(check_name_ans(m, one) == -1, "NAME_RESULT: empty name "
	    "refused (%s)", why);
	m = name_answer("a.test", RESOLVER_NAME_OK, 1);
	memset(m->name, 'b', sizeof(m->name));
	CHECK(check_name_ans(m, one) == -1, "NAME_RESULT: name without NUL "
	    "refused (%s)", why);
	m = name_answer("a.test", RESOLVER_NAME_OK, 1);
	m->name[100] = 'c';
	CHECK(check_name_ans(m, one) == -1, "NAME_RESULT: name not zero-"
	    "padded refused (%s)", why);
	m = name_answer("a.test", RESOLVER_NAME_OK, 1);
	m->addrs[0].family = 5;
	CHECK(check_name_ans(m, one) == -1, "NAME_RESULT: unknown family "
	    "refused (%s)", why);
	m = name_answer("a.test", RESOLVER_NAME_OK, 1);
	m->addrs[0].bits = 24;
	CHECK(check_name_ans(m, one) == -1, "NAME_RESULT: a network, not a "
	    "host, refused (%s)", why);
	m = name_answer("a.test", RESOLVER_NAME_OK, 1);
	m->addrs[0].pad[1] = 1;
	CHECK(check_name_ans(m, one) == -1, "NAME_RESULT: address padding "
	    "not zero refused (%s)", why);
	m = name_answer("a.test", RESOLVER_NAME_OK, 1);
	m->addrs[0].addr[9] = 1;
	CHECK(check_name_ans(m, one) == -1, "NAME_RESULT: bits past an IPv4 "
	    "address refused (%s)", why);
	/* And the siblings' socket takes none. */
	m = name_answer("a.test", RESOLVER_NAME_OK, 1);
	CHECK(resolver_check_answer(m, one, 16, 1000, why, sizeof(why)) == -1,
	    "siblings socket: NAME_RESULT refused (%s)", why);
}

/* resolver_names_serve() in a thread at the other end of sv[0]. */
struct names_served {
	int		sv[2];
	pthread_t	thread;
	int		rc;
};

static void *
names_thread(void *arg)
{
	struct names_served *s = arg;

	s->rc = resolver_names_serve(s->sv[1], &hooks);
	return NULL;
}

static bool
names_start(struct names_served *s)
{
	memset(s, 0, sizeof(*s));
	if (resolver_socketpair(s->sv) == -1)
		return false;
	resolver_names_use(s->sv[0], 2);
	return pthread_create(&s->thread, NULL, names_thread, s) == 0;
}

static int
names_end(struct names_served *s)
{
	close(s->sv[0]);
	pthread_join(s->thread, NULL);
	close(s->sv[1]);
	resolver_names_use(-1, 0);
	return s->rc;
}

static void
test_names(void)
{
	struct mx_addr out[ALLOW_MAX], lo = addr("127.0.0.1"),
	    lo6 = addr("::1");
	struct names_served ns;
	size_t n = 99;
	char name[RESOLVER_NAME_SIZE + 8];

	CHECK(resolver_names_addrs("localhost", out, ALLOW_MAX, &n) == -1 &&
	    n == 0, "names: without a socket, a failure");
	CHECK(names_start(&ns), "names: served on a socketpair");
	CHECK(resolver_names_addrs("localhost", out, ALLOW_MAX, &n) == 0 &&
	    n == 2 && addr_equal(&out[0], &lo) && addr_equal(&out[1], &lo6),
	    "names: localhost's two addresses come back (%zu)", n);
	CHECK(resolver_names_addrs("nowhere.test", out, ALLOW_MAX, &n) == 1 &&
	    n == 0, "names: no such name");
	CHECK(resolver_names_addrs("fail.test", out, ALLOW_MAX, &n) == -1 &&
	    n == 0, "names: a DNS failure");
	CHECK(resolver_names_addrs("many.test", out, ALLOW_MAX, &n) == 0 &&
	    n == RESOLVER_NAME_ADDRS_MAX, "names: at most %d addresses "
	    "(%zu)", RESOLVER_NAME_ADDRS_MAX, n);
	CHECK(resolver_names_addrs("localhost", out, 1, &n) == 0 && n == 1,
	    "names: no more than the caller's room");
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	CHECK(resolver_names_addrs(name, out, ALLOW_MAX, &n) == 1 && n == 0,
	    "names: a name too long is not asked");
	CHECK(names_end(&ns) == 0, "names: the server ends at end of file");
}

/* A peer's raw message into fd. */
static void
raw_send(int fd, const void *m, size_t len)
{
	if (send(fd, m, len, 0) != (ssize_t)len)
		abort();
}

/* The client against a scripted server: each answer refused or passed. */
struct liar {
	int	fd;
	int	mode;
};

static void *
liar_thread(void *arg)
{
	struct liar *l = arg;
	struct resolver_msg_name_lookup req;
	struct resolver_msg_name_result *m;
	ssize_t n;

	while ((n = recv(l->fd, &req, sizeof(req), 0)) > 0) {
		m = name_answer(req.name, RESOLVER_NAME_OK, 1);
		m->id = req.id;
		switch (l->mode) {
		case 0:		/* a malformed answer, then the right one */
			m->pad = 1;
			raw_send(l->fd, m, RESOLVER_NAME_RESULT_SIZE(1));
			m->pad = 0;
			break;
		case 1:		/* an earlier question's, then the right one */
			m->id = req.id - 1;
			raw_send(l->fd, m, RESOLVER_NAME_RESULT_SIZE(1));
			m->id = req.id;
			break;
		case 2:		/* another name's only */
			m->name[0] = 'z';
			raw_send(l->fd, m, RESOLVER_NAME_RESULT_SIZE(1));
			continue;
		case 3:		/* too large */
			raw_send(l->fd, m, sizeof(*m));
			continue;
		case 4:		/* nothing */
			continue;
		}
		raw_send(l->fd, m, RESOLVER_NAME_RESULT_SIZE(1));
	}
	return NULL;
}

static void
test_names_refused(void)
{
	static const char *const what[] = {
		"a malformed answer is passed over for the right one",
		"an earlier question's answer is passed over",
		"an answer for another name is refused",
		"an answer longer than its count is refused",
		"no answer: a failure after the timeout"
	};
	struct mx_addr out[ALLOW_MAX], want = addr("192.0.2.1");
	struct resolver_msg_name_lookup *req;
	struct resolver_msg_name_result ans;
	struct names_served ns;
	struct liar l;
	pthread_t t;
	int sv[2], mode, rc;
	size_t n;

	for (mode = 0; mode < 5; mode++) {
		if (resolver_socketpair(sv) == -1)
			abort();
		l.fd = sv[1];
		l.mode = mode;
		resolver_names_use(sv[0], 1);
		if (pthread_create(&t, NULL, liar_thread, &l) != 0)
			abort();
		rc = resolver_names_addrs("a.test", out, ALLOW_MAX, &n);
		if (mode < 2)
			CHECK(rc == 0 && n == 1 && addr_equal(&out[0], &want),
			    "names client: %s", what[mode]);
		else
			CHECK(rc == -1 && n == 0, "names client: %s",
			    what[mode]);
		shutdown(sv[0], SHUT_RDWR);
		pthread_join(t, NULL);
		close(sv[0]);
		close(sv[1]);
	}
	resolver_names_use(-1, 0);

	/* The server: malformed requests refused, the next one answered. */
	CHECK(names_start(&ns), "names: served for the refusals");
	req = name_request("localhost");
	req->pad = 1;
	raw_send(ns.sv[0], req, sizeof(*req));
	req = name_request("localhost");
	raw_send(ns.sv[0], req, sizeof(*req) - 1);
	req = name_request("");
	raw_send(ns.sv[0], req, sizeof(*req));
	req = name_request("localhost");
	req->hdr.op = RESOLVER_OP_LOOKUP;
	raw_send(ns.sv[0], req, sizeof(*req));
	req = name_request("localhost");
	req->id = 0;
	raw_send(ns.sv[0], req, sizeof(*req));
	req = name_request("localhost");
	req->id = 9;
	raw_send(ns.sv[0], req, sizeof(*req));
	n = (size_t)recv(ns.sv[0], &ans, sizeof(ans), 0);
	CHECK(n == RESOLVER_NAME_RESULT_SIZE(2) && ans.id == 9 &&
	    ans.status == RESOLVER_NAME_OK && ans.count == 2 &&
	    strcmp(ans.name, "localhost") == 0 &&
	    check_name_ans(&ans, n) == 0, "names server: five malformed "
	    "requests refused, the sixth answered (%zu bytes)", n);
	CHECK(names_end(&ns) == 0, "names server: ends at end of file");
}

int
main(void)
{
	log_init("test_resolver_remote", true, LOG_LEVEL_QUIET);
	test_check_name_request();
	test_check_name_answer();
	test_names();
	test_names_refused();
	test_check_request();
	test_check_answer();
	test_lookups();
	test_dropped();
	test_reconfigure();
	test_too_large();
	test_client_refuses();
	test_server_refuses();
	test_daemon();
	return T_DONE();
}
