/*
 * The resolver's queue, cache, forward confirmation and threads, with the
 * two DNS calls replaced by a small zone kept here (the real ones are
 * tested against a DNS server in tests/integration/rdns.sh): no query
 * leaves the machine.  Run under ThreadSanitizer by make check.
 *
 *	127.0.0.1, ::1	-> localhost -> 127.0.0.1, ::1
 *	127.0.0.2	-> liar.test -> 127.0.0.9 (does not confirm)
 *	anything else	-> no name
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "resolver.h"
#include "fakeai.h"
#include "t.h"

/* A few hundred microseconds of "network", so that threads interleave. */
static void
dns_delay(void)
{
	struct timespec ts = { 0, (long)(rand() % 400) * 1000 };

	nanosleep(&ts, NULL);
}

static int
fake_name_of(const struct sockaddr *sa, unsigned len, char *name,
    size_t namelen)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

	(void)len;
	dns_delay();
	if (sa->sa_family == AF_INET6 &&
	    IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
		return snprintf(name, namelen, "localhost") < 0;
	if (sa->sa_family != AF_INET)
		return EAI_NONAME;
	if (ntohl(sin->sin_addr.s_addr) == 0x7f000001)
		return snprintf(name, namelen, "localhost") < 0;
	if (ntohl(sin->sin_addr.s_addr) == 0x7f000002)
		return snprintf(name, namelen, "liar.test") < 0;
	return EAI_NONAME;
}

static int
fake_addrs_of(const char *name, struct addrinfo **res)
{
	dns_delay();
	if (strcmp(name, "localhost") == 0) {
		*res = fake_ai(AF_INET, "127.0.0.1",
		    fake_ai(AF_INET6, "::1", NULL));
		return 0;
	}
	if (strcmp(name, "liar.test") == 0) {
		*res = fake_ai(AF_INET, "127.0.0.9", NULL);
		return 0;
	}
	return EAI_NONAME;
}

struct seen {
	int			calls;
	bool			cached;
	enum resolver_status	status;
	char			name[256];
	size_t			count;
	bool			has_sender;
};

static void
on_result(void *arg, const struct resolver_result *res)
{
	struct seen *s = arg;
	size_t i;

	s->calls++;
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
	struct pollfd pfd = { resolver_fd(rs), POLLIN, 0 };
	size_t got = 0;
	int rounds;

	for (rounds = 0; got < n && rounds < 50; rounds++) {
		poll(&pfd, 1, 100);
		got += resolver_collect(rs, now, on_result, s);
	}
	return got;
}

static struct resolver_config
config(unsigned threads, size_t queue, int64_t cache_time)
{
	struct resolver_config c;

	c.threads = threads;
	c.queue_size = queue;
	c.cache_size = 64;
	c.cache_time = cache_time;
	c.max_addresses = 32;
	c.forward_confirm = true;
	c.name_of = fake_name_of;
	c.addrs_of = fake_addrs_of;
	c.free_addrs = fake_free;
	return c;
}

static void
test_lookup_and_cache(void)
{
	struct resolver_config c = config(4, 16, 600);
	struct resolver *rs = resolver_create(&c, 1);
	struct mx_addr lo;
	struct seen s;

	memset(&s, 0, sizeof(s));
	addr_parse("127.0.0.1", &lo);
	CHECK(rs != NULL, "resolver starts with 4 threads");
	CHECK(resolver_submit(rs, &lo, 2000, 1000, on_result, &s) ==
	    RESOLVER_QUEUED, "a new sender is queued");
	CHECK(resolver_submit(rs, &lo, 2000, 1000, on_result, &s) ==
	    RESOLVER_PENDING, "a second hit while the lookup runs is pending");
	CHECK(collect(rs, 1, 1000, &s) == 1, "the result comes back");
	CHECK(s.calls == 1 && !s.cached, "the callback saw one fresh result");
	CHECK(s.status == RESOLVER_OK, "127.0.0.1 has a name that confirms "
	    "(status %d, name '%s')", s.status, s.name);
	CHECK(s.has_sender, "the name's addresses include the sender");
	CHECK(resolver_pending(rs) == 0, "nothing is pending");
	CHECK(resolver_submit(rs, &lo, 2000, 1001, on_result, &s) ==
	    RESOLVER_CACHED, "the next hit is answered from the cache");
	CHECK(s.calls == 2 && s.cached && s.status == RESOLVER_OK,
	    "the cached answer is handed over at once");
	CHECK(resolver_submit(rs, &lo, 2000, 1000 + 601, on_result, &s) ==
	    RESOLVER_QUEUED, "after cache-time the sender is looked up again");
	CHECK(collect(rs, 1, 1601, &s) == 1, "and the new result comes back");
	resolver_destroy(rs);
}

static void
test_queue_full(void)
{
	/* No threads: nothing takes jobs off the queue. */
	struct resolver_config c = config(0, 2, 600);
	struct resolver *rs = resolver_create(&c, 2);
	struct mx_addr a, b, d;
	struct seen s;

	memset(&s, 0, sizeof(s));
	addr_parse("127.0.0.1", &a);
	addr_parse("::1", &b);
	addr_parse("127.0.0.2", &d);
	CHECK(resolver_submit(rs, &a, 10, 1, on_result, &s) == RESOLVER_QUEUED &&
	    resolver_submit(rs, &b, 10, 1, on_result, &s) == RESOLVER_QUEUED,
	    "two lookups fill a queue of two");
	CHECK(resolver_submit(rs, &d, 10, 1, on_result, &s) ==
	    RESOLVER_SKIPPED, "the third is skipped, not waited for");
	CHECK(s.calls == 0, "no callback for queued or skipped lookups");
	resolver_destroy(rs);
}

static void
test_no_cache(void)
{
	struct resolver_config c = config(2, 16, 0);
	struct resolver *rs = resolver_create(&c, 3);
	struct mx_addr lo;
	struct seen s;

	memset(&s, 0, sizeof(s));
	addr_parse("::1", &lo);
	resolver_submit(rs, &lo, 10, 1, on_result, &s);
	CHECK(collect(rs, 1, 1, &s) == 1, "::1 is looked up");
	CHECK(resolver_submit(rs, &lo, 10, 1, on_result, &s) ==
	    RESOLVER_QUEUED, "with cache-time 0 every hit is looked up");
	CHECK(collect(rs, 1, 1, &s) == 1, "and answered");
	resolver_destroy(rs);
}

static void
test_statuses(void)
{
	struct resolver_config c = config(2, 16, 600);
	struct resolver *rs = resolver_create(&c, 5);
	struct mx_addr liar, none;
	struct seen s;

	memset(&s, 0, sizeof(s));
	addr_parse("127.0.0.2", &liar);
	addr_parse("127.0.0.3", &none);
	resolver_submit(rs, &liar, 10, 1, on_result, &s);
	CHECK(collect(rs, 1, 1, &s) == 1 && s.status == RESOLVER_UNCONFIRMED &&
	    s.count == 0, "a name that does not lead back is unconfirmed, "
	    "with no addresses");
	resolver_submit(rs, &none, 10, 1, on_result, &s);
	CHECK(collect(rs, 1, 1, &s) == 1 && s.status == RESOLVER_NO_NAME,
	    "an address without a name reports no name");
	resolver_destroy(rs);

	c.forward_confirm = false;
	rs = resolver_create(&c, 6);
	resolver_submit(rs, &liar, 10, 1, on_result, &s);
	CHECK(collect(rs, 1, 1, &s) == 1 && s.status == RESOLVER_OK &&
	    s.count == 1 && !s.has_sender, "without forward confirmation "
	    "the name's addresses are taken");
	resolver_destroy(rs);
}

/* Many rounds of concurrent lookups, for ThreadSanitizer's benefit. */
static void
test_concurrency(void)
{
	struct resolver_config c = config(8, 64, 0);
	struct resolver *rs = resolver_create(&c, 4);
	struct mx_addr v4, v6;
	struct seen s;
	size_t total = 0;
	int round;

	memset(&s, 0, sizeof(s));
	addr_parse("127.0.0.1", &v4);
	addr_parse("::1", &v6);
	for (round = 0; round < 200; round++) {
		resolver_submit(rs, &v4, 10, round, on_result, &s);
		resolver_submit(rs, &v6, 10, round, on_result, &s);
		total += collect(rs, 2, round, &s);
	}
	CHECK(total == 400, "400 lookups over 200 rounds all came back "
	    "(%zu)", total);
	/* Destroy with lookups in flight. */
	resolver_submit(rs, &v4, 10, 1000, on_result, &s);
	resolver_submit(rs, &v6, 10, 1000, on_result, &s);
	resolver_destroy(rs);
	CHECK(1, "destroyed with lookups in flight");
}

int
main(void)
{
	test_lookup_and_cache();
	test_queue_full();
	test_no_cache();
	test_statuses();
	test_concurrency();
	return T_DONE();
}
