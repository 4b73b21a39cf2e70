/*
 * The resolver over a socket: the engine's client, the resolver process's
 * loop, and the checks of the messages between them (resolver_msg.h).
 *
 * The client (resolver_connect()) sends CONFIGURE, then a LOOKUP for each
 * sender the core submits, and hands the answers to the core's callback
 * from resolver_collect(), as the local resolver does.  Every send is
 * non-blocking: a full socket makes a lookup SKIPPED, as a full queue does
 * locally, and a CONFIGURE that could not leave is sent again before the
 * next lookup.  The client remembers each sender it asked about until the
 * answer comes or ASK_TIME passes (the "asked" table):
 *   - a second submit for that sender meanwhile is PENDING, so the
 *     resolver process sees one question per sender at a time;
 *   - resolver_pending() counts them;
 *   - an answer for a sender nobody asked about is dropped, and the expiry
 *     handed to the core is the one the engine asked with, never the
 *     answer's: a compromised resolver process cannot whitelist for
 *     senders it was not asked about, nor for longer.
 * Each client has a generation number, sent with CONFIGURE and stamped by
 * the resolver process on every answer: after a reload the socket may
 * still hold answers to the previous client, which the new one drops.
 * resolver_destroy() sends STOP and frees the client; the descriptor and
 * the resolver process stay, for the next resolver_connect().
 *
 * The server (resolver_serve()) polls the socket and its local resolver
 * (resolver.c's threads and cache, made on CONFIGURE, dropped on STOP).
 * A LOOKUP goes to resolver_submit(): a cached answer leaves at once, a
 * queued one when resolver_collect() has it, a SKIPPED one (the queue is
 * full) as DROPPED.  A PENDING one (that sender's lookup is under way) is
 * answered once, when that lookup completes: the client asks about a
 * sender only once at a time, so a PENDING means its question timed out
 * and was asked again, and the one answer serves it.  Answers are sent
 * without waiting: one that does not fit the socket at all goes as
 * DROPPED, one that finds the socket full is lost and counted; the client
 * forgets that question after ASK_TIME.
 *
 * STOP abandons the lookups under way unanswered: the client that asked
 * them is gone.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "log.h"
#include "resolver.h"
#include "resolver_msg.h"
#include "whitelist.h"

/* How long the client waits for an answer (resolver.c waits as long). */
#define ASK_TIME	120
/* Questions in the sockets beyond the resolver process's queue. */
#define ASK_SLACK	1024
/* Messages read per call, so that a flood of them cannot starve the loop. */
#define RECEIVE_BATCH	256
/* resolver_socketpair()'s buffers: room for a few of the largest answers. */
#define SOCKET_BUFFER	(4 * (int)sizeof(struct resolver_msg_result))

/* The layouts have no implicit padding: every byte is a checked field. */
_Static_assert(sizeof(struct resolver_msg_addr) == 20, "addr layout");
_Static_assert(sizeof(struct resolver_msg_configure) == 40,
    "CONFIGURE layout");
_Static_assert(sizeof(struct resolver_msg_lookup) == 40, "LOOKUP layout");
_Static_assert(sizeof(struct resolver_msg_stop) == 8, "STOP layout");
_Static_assert(sizeof(struct resolver_msg_dropped) == 48, "DROPPED layout");
_Static_assert(offsetof(struct resolver_msg_result, addrs) == 308,
    "RESULT layout");
_Static_assert(RESOLVER_RESULT_SIZE(RESOLVER_ADDRS_MAX) <=
    sizeof(struct resolver_msg_result), "RESULT holds the most addresses");
/* Both answers carry the generation in one place (answer_current()). */
_Static_assert(offsetof(struct resolver_msg_result, generation) ==
    offsetof(struct resolver_msg_dropped, generation), "generation");

/* The socket has no room, or (receiving) no message: not an error. */
static bool
would_block(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS;
}

static void
header_put(struct resolver_msg_header *hdr, enum resolver_op op)
{
	hdr->version = RESOLVER_MSG_VERSION;
	hdr->op = op;
}

void
resolver_msg_addr_put(struct resolver_msg_addr *m, const struct mx_addr *addr)
{
	memset(m, 0, sizeof(*m));
	if (addr_is_v4(addr)) {
		m->family = 4;
		m->bits = 32;
		memcpy(m->addr, addr->a + ADDR_V4MAPPED_LEN, 4);
	} else {
		m->family = 6;
		m->bits = 128;
		memcpy(m->addr, addr->a, 16);
	}
}

/* Of a checked address only. */
void
resolver_msg_addr_get(const struct resolver_msg_addr *m, struct mx_addr *addr)
{
	if (m->family == 4)
		addr_from_v4(addr, m->addr);
	else
		addr_from_v6(addr, m->addr);
}

/*
 * The checks.  Each returns 0, or -1 with the reason in why; they read a
 * field only once the length says it is there.
 */

static int
check_addr(const struct resolver_msg_addr *m, const char *what, char *why,
    size_t whylen)
{
	size_t i;

	if (m->pad[0] != 0 || m->pad[1] != 0) {
		seterr(why, whylen, "%s: padding not zero", what);
		return -1;
	}
	switch (m->family) {
	case 4:
		if (m->bits != 32) {
			seterr(why, whylen, "%s: IPv4 prefix /%u, not a host",
			    what, m->bits);
			return -1;
		}
		for (i = 4; i < sizeof(m->addr); i++) {
			if (m->addr[i] != 0) {
				seterr(why, whylen, "%s: bits set past the "
				    "IPv4 address", what);
				return -1;
			}
		}
		return 0;
	case 6:
		if (m->bits != 128) {
			seterr(why, whylen, "%s: IPv6 prefix /%u, not a host",
			    what, m->bits);
			return -1;
		}
		if (memcmp(m->addr, addr_v4mapped_prefix,
		    ADDR_V4MAPPED_LEN) == 0) {
			seterr(why, whylen, "%s: IPv4-mapped address as IPv6",
			    what);
			return -1;
		}
		return 0;
	default:
		seterr(why, whylen, "%s: unknown family %u", what, m->family);
		return -1;
	}
}

/* An option's entry in config.c's table: the limits of its values. */
static const struct mx_option *
option(enum mx_option_id id)
{
	size_t i;

	for (i = 0; i < OPT_COUNT; i++)
		if (mx_options[i].id == id)
			return &mx_options[i];
	return NULL;
}

/*
 * A sender's expiry: not before the clock began, and no further ahead
 * than the longest whitelist-time.  One in the past is fine: a lookup
 * may take longer than a short whitelist-time.
 */
static int
check_expires(int64_t expires, int64_t now, char *why, size_t whylen)
{
	long long most = option(OPT_WHITELIST_TIME)->max;

	if (now < 0)
		now = 0;
	if (expires < 0 || (expires > now && expires - now > most)) {
		seterr(why, whylen, "expiry %lld out of range (now %lld)",
		    (long long)expires, (long long)now);
		return -1;
	}
	return 0;
}

/* NUL-terminated inside its buffer and zero after the NUL. */
static int
check_name(const char *name, char *why, size_t whylen)
{
	size_t len = strnlen(name, RESOLVER_NAME_SIZE), i;

	if (len == RESOLVER_NAME_SIZE) {
		seterr(why, whylen, "name not NUL-terminated");
		return -1;
	}
	for (i = len; i < RESOLVER_NAME_SIZE; i++) {
		if (name[i] != '\0') {
			seterr(why, whylen, "name not zero-padded after its "
			    "NUL (byte %zu)", i);
			return -1;
		}
	}
	return 0;
}

/* Long enough for a header, of our version. */
static int
check_header(const void *buf, size_t len, char *why, size_t whylen)
{
	const struct resolver_msg_header *hdr = buf;

	if (len < sizeof(*hdr)) {
		seterr(why, whylen, "short message (%zu bytes)", len);
		return -1;
	}
	if (hdr->version != RESOLVER_MSG_VERSION) {
		seterr(why, whylen, "version %u, not %u", hdr->version,
		    RESOLVER_MSG_VERSION);
		return -1;
	}
	return 0;
}

static int
check_length(size_t len, size_t want, unsigned op, char *why, size_t whylen)
{
	if (len != want) {
		seterr(why, whylen, "%zu bytes for operation %u, not %zu",
		    len, op, want);
		return -1;
	}
	return 0;
}

/* A CONFIGURE setting within its option's range (config.c's table). */
static int
check_setting(long long value, enum mx_option_id id, char *why,
    size_t whylen)
{
	const struct mx_option *opt = option(id);

	if (value < opt->min || value > opt->max) {
		seterr(why, whylen, "%s %lld out of range (%lld to %lld)",
		    opt->name, value, opt->min, opt->max);
		return -1;
	}
	return 0;
}

static int
check_configure(const struct resolver_msg_configure *m, char *why,
    size_t whylen)
{
	if (m->generation == 0) {
		seterr(why, whylen, "generation 0");
		return -1;
	}
	if (m->forward_confirm > 1) {
		seterr(why, whylen, "forward_confirm %u, not 0 or 1",
		    m->forward_confirm);
		return -1;
	}
	/* rdns-max-addresses' limit is RESOLVER_ADDRS_MAX (config.c). */
	if (check_setting(m->threads, OPT_DNS_THREADS, why, whylen) == -1 ||
	    check_setting(m->queue_size, OPT_DNS_QUEUE, why, whylen) == -1 ||
	    check_setting(m->cache_size, OPT_DNS_CACHE_SIZE, why, whylen) ==
	    -1 || check_setting(m->cache_time, OPT_DNS_CACHE_TIME, why,
	    whylen) == -1 || check_setting(m->max_addresses,
	    OPT_RDNS_MAX_ADDRESSES, why, whylen) == -1)
		return -1;
	return 0;
}

static int
check_lookup(const struct resolver_msg_lookup *m, int64_t now, char *why,
    size_t whylen)
{
	if (m->pad != 0) {
		seterr(why, whylen, "padding not zero");
		return -1;
	}
	if (check_expires(m->expires, now, why, whylen) == -1)
		return -1;
	return check_addr(&m->sender, "sender", why, whylen);
}

/* A request the resolver process may carry out. */
int
resolver_check_request(const void *buf, size_t len, int64_t now, char *why,
    size_t whylen)
{
	const union resolver_request *req = buf;
	size_t want;

	if (check_header(buf, len, why, whylen) == -1)
		return -1;
	switch (req->hdr.op) {
	case RESOLVER_OP_CONFIGURE:
		want = sizeof(req->configure);
		break;
	case RESOLVER_OP_LOOKUP:
		want = sizeof(req->lookup);
		break;
	case RESOLVER_OP_STOP:
		want = sizeof(req->stop);
		break;
	default:
		seterr(why, whylen, "unknown request %u", req->hdr.op);
		return -1;
	}
	if (check_length(len, want, req->hdr.op, why, whylen) == -1)
		return -1;
	switch (req->hdr.op) {
	case RESOLVER_OP_CONFIGURE:
		return check_configure(&req->configure, why, whylen);
	case RESOLVER_OP_LOOKUP:
		return check_lookup(&req->lookup, now, why, whylen);
	}
	return 0;
}

static int
check_dropped(const struct resolver_msg_dropped *m, size_t len, int64_t now,
    char *why, size_t whylen)
{
	if (check_length(len, sizeof(*m), m->hdr.op, why, whylen) == -1)
		return -1;
	if (m->pad != 0 || m->pad2 != 0) {
		seterr(why, whylen, "padding not zero");
		return -1;
	}
	if (check_expires(m->expires, now, why, whylen) == -1)
		return -1;
	return check_addr(&m->sender, "sender", why, whylen);
}

static int
check_result(const struct resolver_msg_result *m, size_t len,
    size_t max_addresses, int64_t now, char *why, size_t whylen)
{
	char what[32];
	uint32_t i;

	if (len < RESOLVER_RESULT_SIZE(0)) {
		seterr(why, whylen, "short result (%zu bytes)", len);
		return -1;
	}
	/* Before the length is computed from it (32-bit size_t). */
	if (m->count > RESOLVER_ADDRS_MAX) {
		seterr(why, whylen, "%u addresses, more than %d", m->count,
		    RESOLVER_ADDRS_MAX);
		return -1;
	}
	if (len != RESOLVER_RESULT_SIZE(m->count)) {
		seterr(why, whylen, "%zu bytes for %u addresses", len,
		    m->count);
		return -1;
	}
	if (m->count > max_addresses) {
		seterr(why, whylen, "%u addresses, more than the %zu "
		    "configured", m->count, max_addresses);
		return -1;
	}
	if (m->status > RESOLVER_FAILED) {
		seterr(why, whylen, "unknown status %u", m->status);
		return -1;
	}
	if (m->status != RESOLVER_OK && m->count != 0) {
		seterr(why, whylen, "%u addresses with status %u", m->count,
		    m->status);
		return -1;
	}
	if (m->cached > 1) {
		seterr(why, whylen, "cached %u, not 0 or 1", m->cached);
		return -1;
	}
	if (check_expires(m->expires, now, why, whylen) == -1 ||
	    check_addr(&m->sender, "sender", why, whylen) == -1 ||
	    check_name(m->name, why, whylen) == -1)
		return -1;
	for (i = 0; i < m->count; i++) {
		snprintf(what, sizeof(what), "address %u", i);
		if (check_addr(&m->addrs[i], what, why, whylen) == -1)
			return -1;
	}
	return 0;
}

/* An answer the engine may take. */
int
resolver_check_answer(const void *buf, size_t len, size_t max_addresses,
    int64_t now, char *why, size_t whylen)
{
	const union resolver_answer *ans = buf;

	if (check_header(buf, len, why, whylen) == -1)
		return -1;
	switch (ans->hdr.op) {
	case RESOLVER_OP_RESULT:
		return check_result(&ans->result, len, max_addresses, now, why,
		    whylen);
	case RESOLVER_OP_DROPPED:
		return check_dropped(&ans->dropped, len, now, why, whylen);
	default:
		seterr(why, whylen, "unknown answer %u", ans->hdr.op);
		return -1;
	}
}

/* A name asked for: not empty, NUL-terminated, zero-padded. */
static int
check_asked_name(const char *name, char *why, size_t whylen)
{
	if (check_name(name, why, whylen) == -1)
		return -1;
	if (name[0] == '\0') {
		seterr(why, whylen, "empty name");
		return -1;
	}
	return 0;
}

/* A NAME_LOOKUP the resolver process may take. */
int
resolver_check_name_request(const void *buf, size_t len, char *why,
    size_t whylen)
{
	const struct resolver_msg_name_lookup *m = buf;

	if (check_header(buf, len, why, whylen) == -1)
		return -1;
	if (m->hdr.op != RESOLVER_OP_NAME_LOOKUP) {
		seterr(why, whylen, "unknown name request %u", m->hdr.op);
		return -1;
	}
	if (check_length(len, sizeof(*m), m->hdr.op, why, whylen) == -1)
		return -1;
	if (m->id == 0) {
		seterr(why, whylen, "request id 0");
		return -1;
	}
	if (m->pad != 0) {
		seterr(why, whylen, "padding not zero");
		return -1;
	}
	return check_asked_name(m->name, why, whylen);
}

/* A NAME_RESULT the engine may take. */
int
resolver_check_name_answer(const void *buf, size_t len, char *why,
    size_t whylen)
{
	const struct resolver_msg_name_result *m = buf;
	char what[32];
	uint32_t i;

	if (check_header(buf, len, why, whylen) == -1)
		return -1;
	if (m->hdr.op != RESOLVER_OP_NAME_RESULT) {
		seterr(why, whylen, "unknown name answer %u", m->hdr.op);
		return -1;
	}
	if (len < RESOLVER_NAME_RESULT_SIZE(0)) {
		seterr(why, whylen, "short name result (%zu bytes)", len);
		return -1;
	}
	if (m->count > RESOLVER_NAME_ADDRS_MAX) {
		seterr(why, whylen, "%u addresses, more than %d", m->count,
		    RESOLVER_NAME_ADDRS_MAX);
		return -1;
	}
	if (len != RESOLVER_NAME_RESULT_SIZE(m->count)) {
		seterr(why, whylen, "%zu bytes for %u addresses", len,
		    m->count);
		return -1;
	}
	if (m->id == 0) {
		seterr(why, whylen, "request id 0");
		return -1;
	}
	if (m->pad != 0) {
		seterr(why, whylen, "padding not zero");
		return -1;
	}
	if (m->status > RESOLVER_NAME_FAILED) {
		seterr(why, whylen, "unknown status %u", m->status);
		return -1;
	}
	if ((m->status == RESOLVER_NAME_OK) != (m->count > 0)) {
		seterr(why, whylen, "%u addresses with status %u", m->count,
		    m->status);
		return -1;
	}
	if (check_asked_name(m->name, why, whylen) == -1)
		return -1;
	for (i = 0; i < m->count; i++) {
		snprintf(what, sizeof(what), "address %u", i);
		if (check_addr(&m->addrs[i], what, why, whylen) == -1)
			return -1;
	}
	return 0;
}

/*
 * One message, without waiting.  Returns 0, or -1 with errno set.  An
 * empty message would read as end of file: none is ever sent.
 */
static int
send_message(int fd, const void *msg, size_t len)
{
	ssize_t n;

	while ((n = send(fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL)) == -1 &&
	    errno == EINTR)
		;
	if (n == -1)
		return -1;
	if ((size_t)n != len) {
		/* A SOCK_SEQPACKET send is all or nothing. */
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

/*
 * One message into buf, without waiting.  Returns its length; 0 at end of
 * file (an empty message reads the same: a peer that sends one ends the
 * conversation, as closing would); -1 with errno set, EMSGSIZE for one
 * that did not fit buf or came with control data (a descriptor, which
 * the kernel then disposes of).
 */
static ssize_t
receive_message(int fd, void *buf, size_t size)
{
	struct msghdr msg;
	struct iovec iov;
	ssize_t n;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = buf;
	iov.iov_len = size;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	while ((n = recvmsg(fd, &msg, MSG_DONTWAIT)) == -1 && errno == EINTR)
		;
	if (n > 0 && (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		errno = EMSGSIZE;
		return -1;
	}
	return n;
}

/*
 * The client.
 */

/* A question the client waits to hear about. */
struct asked {
	struct mx_addr	sender;
	int64_t		expires;	/* the core's, handed back with the answer */
	bool		used;
};

struct resolver_client {
	int			 fd;		/* the caller's: never closed here */
	bool			 gone;		/* the resolver process is */
	bool			 configured;	/* CONFIGURE has left */
	struct resolver_msg_configure configure;
	size_t			 max_addresses;
	/* Questions in order of asking; the index finds them by sender. */
	struct asked		*asked;
	size_t			 asked_size;
	size_t			 asked_next;
	struct whitelist	*asked_index;	/* sender -> slot, ASK_TIME */
	union resolver_answer	*answer;	/* the one being read */
	struct mx_addr		*addrs;		/* its addresses, for the core */
	struct log_ratelimit	 refused;
};

/* Every client a generation of its own: answers to an earlier one differ. */
static uint32_t
next_generation(void)
{
	static uint32_t last;

	if (++last == 0)
		++last;
	return last;
}

static uint32_t
clamp32(size_t value)
{
	return value > UINT32_MAX ? UINT32_MAX : (uint32_t)value;
}

static void
client_lost(struct resolver_client *c, const char *what)
{
	if (c->gone)
		return;
	c->gone = true;
	if (errno == 0)
		log_warnx("reverse-DNS resolver process gone (%s): no more "
		    "sibling lookups", what);
	else
		log_warn("reverse-DNS resolver process gone (%s): no more "
		    "sibling lookups", what);
}

/* 0, or -1: the socket is full, or the process is gone. */
static int
client_send(struct resolver_client *c, const void *msg, size_t len)
{
	if (c->gone)
		return -1;
	if (send_message(c->fd, msg, len) == 0)
		return 0;
	if (!would_block(errno))
		client_lost(c, "send");
	return -1;
}

static int
client_configure(struct resolver_client *c)
{
	if (client_send(c, &c->configure, sizeof(c->configure)) == -1)
		return -1;
	c->configured = true;
	return 0;
}

/* Forget the question in slot, if the index still points at it. */
static void
asked_drop(struct resolver_client *c, size_t slot)
{
	struct asked *a = &c->asked[slot];
	uint32_t indexed;

	if (a->used && wl_get(c->asked_index, &a->sender, INT64_MIN,
	    &indexed) && indexed == slot)
		wl_remove(c->asked_index, &a->sender);
	a->used = false;
}

static void
asked_forget(struct resolver_client *c, const struct mx_addr *sender)
{
	uint32_t slot;

	if (wl_get(c->asked_index, sender, INT64_MIN, &slot))
		asked_drop(c, slot);
}

/*
 * Remember a question.  The ring's next slot holds the oldest one; if it
 * is still unanswered, it is forgotten (its answer, should it come, is
 * dropped).
 */
static void
asked_add(struct resolver_client *c, const struct mx_addr *sender,
    int64_t expires, int64_t now)
{
	size_t slot = c->asked_next;
	struct asked *a = &c->asked[slot];

	asked_forget(c, sender);
	asked_drop(c, slot);
	c->asked_next = (slot + 1) % c->asked_size;
	if (wl_insert_value(c->asked_index, sender, now + ASK_TIME,
	    (uint32_t)slot) == WL_NOMEM)
		return;
	a->sender = *sender;
	a->expires = expires;
	a->used = true;
}

struct resolver_client *
resolver_client_create(int fd, const struct resolver_config *cfg,
    uint64_t seed)
{
	struct resolver_msg_configure *m;
	struct resolver_client *c;
	char why[128];

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->fd = fd;
	m = &c->configure;
	header_put(&m->hdr, RESOLVER_OP_CONFIGURE);
	m->generation = next_generation();
	m->threads = cfg->threads;
	m->queue_size = clamp32(cfg->queue_size);
	m->cache_size = clamp32(cfg->cache_size);
	m->max_addresses = clamp32(cfg->max_addresses);
	m->forward_confirm = cfg->forward_confirm;
	m->cache_time = cfg->cache_time;
	/* What the resolver process would refuse is refused here. */
	if (resolver_check_request(m, sizeof(*m), 0, why, sizeof(why)) == -1) {
		log_warnx("resolver: configuration refused: %s", why);
		free(c);
		errno = EINVAL;
		return NULL;
	}
	c->max_addresses = cfg->max_addresses;
	c->asked_size = cfg->queue_size + cfg->threads + ASK_SLACK;
	c->asked = calloc(c->asked_size, sizeof(*c->asked));
	c->asked_index = wl_create(0, seed, NULL, NULL);
	c->answer = malloc(sizeof(*c->answer));
	c->addrs = calloc(cfg->max_addresses, sizeof(*c->addrs));
	if (c->asked == NULL || c->asked_index == NULL || c->answer == NULL ||
	    c->addrs == NULL) {
		resolver_client_destroy(c);
		return NULL;
	}
	/* If the socket is full now, the next submit tries again. */
	(void)client_configure(c);
	return c;
}

/*
 * Stop the resolver process's lookups and free the client.  If STOP finds
 * the socket full, the process keeps its threads until the next CONFIGURE,
 * which replaces them anyway.
 */
void
resolver_client_destroy(struct resolver_client *c)
{
	struct resolver_msg_stop stop;

	if (c == NULL)
		return;
	if (c->configured) {
		memset(&stop, 0, sizeof(stop));
		header_put(&stop.hdr, RESOLVER_OP_STOP);
		if (client_send(c, &stop, sizeof(stop)) == -1 && !c->gone)
			log_warnx("resolver: STOP not sent (socket full); "
			    "the next configuration replaces the lookups");
	}
	wl_destroy(c->asked_index);
	free(c->asked);
	free(c->answer);
	free(c->addrs);
	free(c);
}

int
resolver_client_fd(const struct resolver_client *c)
{
	return c->gone ? -1 : c->fd;
}

enum resolver_submit
resolver_client_submit(struct resolver_client *c, const struct mx_addr *sender,
    int64_t expires, int64_t now)
{
	struct resolver_msg_lookup m;
	uint32_t slot;

	if (!c->configured && client_configure(c) == -1)
		return RESOLVER_SKIPPED;
	wl_expire(c->asked_index, now);
	if (wl_get(c->asked_index, sender, now, &slot))
		return RESOLVER_PENDING;
	memset(&m, 0, sizeof(m));
	header_put(&m.hdr, RESOLVER_OP_LOOKUP);
	m.expires = expires;
	resolver_msg_addr_put(&m.sender, sender);
	if (client_send(c, &m, sizeof(m)) == -1)
		return RESOLVER_SKIPPED;
	asked_add(c, sender, expires, now);
	return RESOLVER_QUEUED;
}

/*
 * Is the answer just read one to this client?  One to an earlier client
 * on the socket (expected after a reload) is dropped unread, before it is
 * checked against settings that are not its own.
 */
static bool
answer_current(const struct resolver_client *c, size_t len)
{
	return len >= offsetof(struct resolver_msg_result, generation) +
	    sizeof(c->answer->result.generation) &&
	    c->answer->result.generation == c->configure.generation;
}

/* Hand a checked answer to cb, if it is one the client waits for. */
static size_t
client_deliver(struct resolver_client *c, int64_t now, resolver_cb *cb,
    void *arg)
{
	const union resolver_answer *ans = c->answer;
	const struct resolver_msg_result *r = &ans->result;
	struct resolver_result res;
	struct mx_addr sender;
	char text[MX_ADDRSTRLEN];
	uint32_t slot, i;

	resolver_msg_addr_get(ans->hdr.op == RESOLVER_OP_DROPPED ?
	    &ans->dropped.sender : &r->sender, &sender);
	if (!wl_get(c->asked_index, &sender, now, &slot)) {
		log_debug("resolver: answer for %s, not waited for: dropped",
		    addr_format(&sender, text, sizeof(text)));
		return 0;
	}
	memset(&res, 0, sizeof(res));
	res.sender = sender;
	res.expires = c->asked[slot].expires;
	res.name = "";
	asked_drop(c, slot);
	if (ans->hdr.op == RESOLVER_OP_DROPPED)
		res.status = RESOLVER_DROPPED;
	else {
		res.status = (enum resolver_status)r->status;
		res.cached = r->cached != 0;
		res.name = r->name;
		for (i = 0; i < r->count; i++)
			resolver_msg_addr_get(&r->addrs[i], &c->addrs[i]);
		res.addrs = c->addrs;
		res.count = r->count;
	}
	cb(arg, &res);
	return 1;
}

/* Hand every answer waiting in the socket to cb; returns how many. */
size_t
resolver_client_collect(struct resolver_client *c, int64_t now,
    resolver_cb *cb, void *arg)
{
	char why[128];
	size_t n = 0, i;
	ssize_t len;

	wl_expire(c->asked_index, now);
	for (i = 0; i < RECEIVE_BATCH && !c->gone; i++) {
		len = receive_message(c->fd, c->answer, sizeof(*c->answer));
		if (len == 0) {
			errno = 0;
			client_lost(c, "end of file");
			break;
		}
		if (len == -1 && errno == EMSGSIZE)
			seterr(why, sizeof(why), "oversized or with control "
			    "data");
		else if (len == -1) {
			if (!would_block(errno))
				client_lost(c, "receive");
			break;
		} else if (!answer_current(c, (size_t)len))
			continue;
		else if (resolver_check_answer(c->answer, (size_t)len,
		    c->max_addresses, now, why, sizeof(why)) == 0) {
			n += client_deliver(c, now, cb, arg);
			continue;
		}
		log_warn_limited(&c->refused, now, "resolver: answer "
		    "refused: %s", why);
	}
	return n;
}

size_t
resolver_client_pending(const struct resolver_client *c)
{
	return wl_count(c->asked_index);
}

/*
 * The server: the resolver process's side.
 */

struct server {
	int			 fd;
	struct resolver_config	 hooks;		/* the DNS calls; NULL: system */
	uint64_t		 seed;
	struct resolver		*local;		/* NULL: no configuration */
	uint32_t		 generation;	/* the last CONFIGURE's */
	struct resolver_serve_stats *stats;
	struct log_ratelimit	 refused;
	struct log_ratelimit	 lost;
	struct log_ratelimit	 too_large;
	union resolver_request	 request;	/* the one being read */
	struct resolver_msg_result result;	/* the answer being sent */
};

static void
server_refuse(struct server *s, int64_t now, const char *why)
{
	s->stats->refused++;
	log_warn_limited(&s->refused, now, "resolver: request refused: %s",
	    why);
}

static void
server_lost(struct server *s, const struct mx_addr *sender)
{
	char text[MX_ADDRSTRLEN];

	s->stats->unsent++;
	log_warn_limited(&s->lost, clock_s(), "resolver: answer for %s "
	    "lost: %s", addr_format(sender, text, sizeof(text)),
	    strerror(errno));
}

static void
server_dropped(struct server *s, const struct mx_addr *sender,
    int64_t expires)
{
	struct resolver_msg_dropped m;

	memset(&m, 0, sizeof(m));
	header_put(&m.hdr, RESOLVER_OP_DROPPED);
	m.generation = s->generation;
	m.expires = expires;
	resolver_msg_addr_put(&m.sender, sender);
	s->stats->dropped++;
	if (send_message(s->fd, &m, sizeof(m)) == -1)
		server_lost(s, sender);
}

/* The local resolver's callback: a result for the engine. */
static void
server_answer(void *arg, const struct resolver_result *res)
{
	struct server *s = arg;
	struct resolver_msg_result *m = &s->result;
	size_t len = RESOLVER_RESULT_SIZE(res->count), i;
	char text[MX_ADDRSTRLEN];

	memset(m, 0, len);
	header_put(&m->hdr, RESOLVER_OP_RESULT);
	m->generation = s->generation;
	m->status = res->status;
	m->cached = res->cached;
	m->count = (uint32_t)res->count;
	m->expires = res->expires;
	resolver_msg_addr_put(&m->sender, &res->sender);
	memcpy(m->name, res->name, strnlen(res->name, RESOLVER_NAME_SIZE - 1));
	for (i = 0; i < res->count; i++)
		resolver_msg_addr_put(&m->addrs[i], &res->addrs[i]);
	if (send_message(s->fd, m, len) == 0)
		return;
	if (errno != EMSGSIZE) {
		server_lost(s, &res->sender);
		return;
	}
	/* Never fits: say so rather than leave the engine waiting. */
	log_warn_limited(&s->too_large, clock_s(), "resolver: %zu "
	    "addresses for %s do not fit the socket: dropped (lower "
	    "rdns-max-addresses)", res->count,
	    addr_format(&res->sender, text, sizeof(text)));
	server_dropped(s, &res->sender, res->expires);
}

static void
server_configure(struct server *s)
{
	const struct resolver_msg_configure *m = &s->request.configure;
	struct resolver_config rc = s->hooks;

	resolver_destroy(s->local);
	s->generation = m->generation;
	rc.threads = m->threads;
	rc.queue_size = m->queue_size;
	rc.cache_size = m->cache_size;
	rc.cache_time = m->cache_time;
	rc.max_addresses = m->max_addresses;
	rc.forward_confirm = m->forward_confirm != 0;
	if ((s->local = resolver_create(&rc, s->seed)) == NULL)
		log_warn("resolver: cannot start the lookups");
	else
		s->stats->configured++;
}

static void
server_lookup(struct server *s, int64_t now)
{
	const struct resolver_msg_lookup *m = &s->request.lookup;
	struct mx_addr sender;

	resolver_msg_addr_get(&m->sender, &sender);
	if (s->local == NULL) {
		server_refuse(s, now, "lookup without a configuration");
		server_dropped(s, &sender, m->expires);
		return;
	}
	s->stats->lookups++;
	switch (resolver_submit(s->local, &sender, m->expires, now,
	    server_answer, s)) {
	case RESOLVER_SKIPPED:
		server_dropped(s, &sender, m->expires);
		break;
	case RESOLVER_QUEUED:	/* answered when collected */
	case RESOLVER_CACHED:	/* answered already */
	case RESOLVER_PENDING:	/* answered when that lookup is collected */
		break;
	}
}

/*
 * Read and carry out the waiting requests.  Returns 1 to go on, 0 at end
 * of file, -1 if the socket failed.
 */
static int
server_requests(struct server *s)
{
	char why[128];
	int64_t now;
	ssize_t len;
	int i;

	for (i = 0; i < RECEIVE_BATCH; i++) {
		len = receive_message(s->fd, &s->request, sizeof(s->request));
		now = clock_s();
		if (len == 0)
			return 0;
		if (len == -1 && errno == EMSGSIZE) {
			server_refuse(s, now, "oversized or with control data");
			continue;
		}
		if (len == -1) {
			if (would_block(errno))
				return 1;
			log_warn("resolver: receive");
			return -1;
		}
		if (resolver_check_request(&s->request, (size_t)len, now, why,
		    sizeof(why)) == -1) {
			server_refuse(s, now, why);
			continue;
		}
		switch (s->request.hdr.op) {
		case RESOLVER_OP_CONFIGURE:
			server_configure(s);
			break;
		case RESOLVER_OP_LOOKUP:
			server_lookup(s, now);
			break;
		case RESOLVER_OP_STOP:
			resolver_destroy(s->local);
			s->local = NULL;
			break;
		}
	}
	return 1;
}

/*
 * The resolver process's loop: answer the engine at the other end of fd
 * until it closes its end (returns 0) or the socket fails (-1).  hooks,
 * if not NULL, supplies the DNS calls (name_of, addrs_of, free_addrs: the
 * tests'); the sizes come from the engine's CONFIGURE.  seed seeds the
 * cache's hash.  stats, if not NULL, is zeroed and kept up to date.  fd
 * stays the caller's.
 */
int
resolver_serve(int fd, const struct resolver_config *hooks, uint64_t seed,
    struct resolver_serve_stats *stats)
{
	struct resolver_serve_stats own;
	struct pollfd pfd[2];
	struct server *s;
	int rc = 1;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_warn("resolver");
		return -1;
	}
	s->fd = fd;
	if (hooks != NULL) {
		s->hooks.name_of = hooks->name_of;
		s->hooks.addrs_of = hooks->addrs_of;
		s->hooks.free_addrs = hooks->free_addrs;
	}
	s->seed = seed;
	s->stats = stats != NULL ? stats : &own;
	memset(s->stats, 0, sizeof(*s->stats));
	pfd[0].fd = fd;
	pfd[0].events = POLLIN;
	pfd[1].events = POLLIN;
	while (rc == 1) {
		pfd[0].revents = pfd[1].revents = 0;
		pfd[1].fd = s->local != NULL ? resolver_fd(s->local) : -1;
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("resolver: poll");
			rc = -1;
			break;
		}
		if (pfd[1].revents & POLLIN)
			resolver_collect(s->local, clock_s(), server_answer,
			    s);
		if (pfd[0].revents & POLLNVAL) {
			log_warnx("resolver: socket %d not open", fd);
			rc = -1;
		} else if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
			rc = server_requests(s);
	}
	resolver_destroy(s->local);
	free(s);
	return rc;
}

/*
 * The socketpair between the engine and the resolver process, made before
 * either is confined (pledge may not allow the buffer sizes later): large
 * enough for the largest answer, which the BSDs' defaults (8 KiB) are not.
 */
int
resolver_socketpair(int sv[2])
{
	int size = SOCKET_BUFFER, saved, i;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1)
		return -1;
	for (i = 0; i < 2; i++) {
		if (setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &size,
		    sizeof(size)) == -1 || setsockopt(sv[i], SOL_SOCKET,
		    SO_RCVBUF, &size, sizeof(size)) == -1 ||
		    fcntl(sv[i], F_SETFD, FD_CLOEXEC) == -1) {
			saved = errno;
			close(sv[0]);
			close(sv[1]);
			errno = saved;
			return -1;
		}
	}
	return 0;
}

/*
 * The names socket.  The resolver process's end: one request at a time,
 * blocking, in a thread of its own (resolver_names_start()) so that a
 * slow name never holds up the siblings' answers.
 */

struct names_server {
	int			 fd;
	resolver_addrs_fn	*addrs_of;
	resolver_free_fn	*free_addrs;
};

static int
names_system_addrs(const char *name, struct addrinfo **res)
{
	struct addrinfo hints;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	return getaddrinfo(name, NULL, &hints, res);
}

/* A name's answer, into m (its id and name already there). */
static void
names_lookup(const struct names_server *ns,
    struct resolver_msg_name_result *m)
{
	struct addrinfo *res, *ai;
	struct mx_addr a, b;
	uint32_t i;
	int rc;

	rc = ns->addrs_of(m->name, &res);
	if (rc != 0) {
		m->status = rc == EAI_NONAME
#ifdef EAI_NODATA
		    || rc == EAI_NODATA
#endif
		    ? RESOLVER_NAME_NONE : RESOLVER_NAME_FAILED;
		return;
	}
	for (ai = res; ai != NULL && m->count < RESOLVER_NAME_ADDRS_MAX;
	    ai = ai->ai_next) {
		if (ai->ai_family == AF_INET)
			addr_from_v4(&a, &((const struct sockaddr_in *)
			    (const void *)ai->ai_addr)->sin_addr);
		else if (ai->ai_family == AF_INET6)
			addr_from_v6(&a, &((const struct sockaddr_in6 *)
			    (const void *)ai->ai_addr)->sin6_addr);
		else
			continue;
		for (i = 0; i < m->count; i++) {
			resolver_msg_addr_get(&m->addrs[i], &b);
			if (addr_equal(&a, &b))
				break;
		}
		if (i == m->count)
			resolver_msg_addr_put(&m->addrs[m->count++], &a);
	}
	ns->free_addrs(res);
	m->status = m->count > 0 ? RESOLVER_NAME_OK : RESOLVER_NAME_NONE;
}

static int
names_run(struct names_server *ns)
{
	struct resolver_msg_name_lookup req;
	struct resolver_msg_name_result *m;
	struct log_ratelimit refused;
	struct msghdr msg;
	struct iovec iov;
	char why[128];
	ssize_t n;
	size_t len;

	memset(&refused, 0, sizeof(refused));
	if ((m = malloc(sizeof(*m))) == NULL) {
		log_warn("resolver: names");
		return -1;
	}
	for (;;) {
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = &req;
		iov.iov_len = sizeof(req);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		while ((n = recvmsg(ns->fd, &msg, 0)) == -1 && errno == EINTR)
			;
		if (n == 0 || n == -1) {
			if (n == -1)
				log_warn("resolver: names: receive");
			free(m);
			return n == 0 ? 0 : -1;
		}
		if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
			snprintf(why, sizeof(why), "oversized or with "
			    "control data");
		else if (resolver_check_name_request(&req, (size_t)n, why,
		    sizeof(why)) == 0)
			why[0] = '\0';
		if (why[0] != '\0') {
			log_warn_limited(&refused, clock_s(), "resolver: "
			    "name request refused: %s", why);
			continue;
		}
		memset(m, 0, sizeof(*m));
		header_put(&m->hdr, RESOLVER_OP_NAME_RESULT);
		m->id = req.id;
		memcpy(m->name, req.name, sizeof(m->name));
		names_lookup(ns, m);
		len = RESOLVER_NAME_RESULT_SIZE(m->count);
		while ((n = send(ns->fd, m, len, MSG_NOSIGNAL)) == -1 &&
		    errno == EINTR)
			;
		if (n == -1) {
			log_warn("resolver: names: send");
			free(m);
			return -1;
		}
	}
}

int
resolver_names_serve(int fd, const struct resolver_config *hooks)
{
	struct names_server ns;

	ns.fd = fd;
	ns.addrs_of = hooks != NULL && hooks->addrs_of != NULL ?
	    hooks->addrs_of : names_system_addrs;
	ns.free_addrs = hooks != NULL && hooks->free_addrs != NULL ?
	    hooks->free_addrs : freeaddrinfo;
	return names_run(&ns);
}

static void *
names_thread(void *arg)
{
	struct names_server *ns = arg;

	(void)names_run(ns);
	free(ns);
	return NULL;
}

int
resolver_names_start(int fd, const struct resolver_config *hooks)
{
	struct names_server *ns;
	pthread_t t;

	if ((ns = calloc(1, sizeof(*ns))) == NULL)
		return -1;
	ns->fd = fd;
	ns->addrs_of = hooks != NULL && hooks->addrs_of != NULL ?
	    hooks->addrs_of : names_system_addrs;
	ns->free_addrs = hooks != NULL && hooks->free_addrs != NULL ?
	    hooks->free_addrs : freeaddrinfo;
	if (pthread_create(&t, NULL, names_thread, ns) != 0) {
		free(ns);
		return -1;
	}
	pthread_detach(t);
	return 0;
}

/*
 * The engine's end, for allow.c's resolution thread: one name at a time,
 * waiting at most names_timeout for its answer.  An answer to an earlier
 * question (one given up on) is recognised by its id and passed over.
 */
static int	names_fd = -1;
static int	names_timeout = 60;
static uint32_t	names_id;

void
resolver_names_use(int fd, int timeout)
{
	names_fd = fd;
	names_timeout = timeout > 0 ? timeout : 60;
}

int
resolver_names_addrs(const char *name, struct mx_addr *out, size_t max,
    size_t *count)
{
	static struct log_ratelimit refused;
	struct resolver_msg_name_lookup req;
	struct resolver_msg_name_result *m;
	struct pollfd pfd;
	char why[128];
	int64_t deadline;
	ssize_t n;
	uint32_t i;
	int rc = -1, wait;

	*count = 0;
	if (names_fd == -1)
		return -1;
	if (strlen(name) >= sizeof(req.name)) {
		log_warnx("allow %s: the name is too long", name);
		return 1;
	}
	memset(&req, 0, sizeof(req));
	header_put(&req.hdr, RESOLVER_OP_NAME_LOOKUP);
	if (++names_id == 0)
		names_id = 1;
	req.id = names_id;
	memcpy(req.name, name, strlen(name));
	while ((n = send(names_fd, &req, sizeof(req), MSG_NOSIGNAL)) == -1 &&
	    errno == EINTR)
		;
	if (n != (ssize_t)sizeof(req))
		return -1;
	if ((m = malloc(sizeof(*m))) == NULL)
		return -1;
	deadline = clock_s() + names_timeout;
	for (;;) {
		wait = (int)(deadline - clock_s());
		if (wait <= 0)
			break;
		pfd.fd = names_fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, wait * 1000) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		n = receive_message(names_fd, m, sizeof(*m));
		if (n == -1 && (errno == EINTR || would_block(errno)))
			continue;
		if (n == -1 && errno == EMSGSIZE) {
			log_warn_limited(&refused, clock_s(), "resolver: "
			    "name answer refused: oversized");
			continue;
		}
		if (n <= 0)
			break;
		if (resolver_check_name_answer(m, (size_t)n, why,
		    sizeof(why)) == -1) {
			log_warn_limited(&refused, clock_s(), "resolver: "
			    "name answer refused: %s", why);
			continue;
		}
		if (m->id != req.id)
			continue;	/* an earlier question's */
		if (strcmp(m->name, req.name) != 0) {
			log_warn_limited(&refused, clock_s(), "resolver: "
			    "name answer refused: for %s, not %s", m->name,
			    req.name);
			continue;
		}
		for (i = 0; i < m->count && *count < max; i++)
			resolver_msg_addr_get(&m->addrs[i], &out[(*count)++]);
		rc = m->status == RESOLVER_NAME_OK ? 0 :
		    m->status == RESOLVER_NAME_NONE ? 1 : -1;
		break;
	}
	free(m);
	return rc;
}
