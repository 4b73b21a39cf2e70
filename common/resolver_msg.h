/*
 * The messages between the engine and the resolver process.
 *
 * The engine (resolver_connect(), the client) asks; the resolver process
 * (resolver_serve(), the server) looks names up and answers.  They talk
 * over a SOCK_SEQPACKET socketpair: one message per send, never split,
 * never merged.  Both ends are on one machine and built from one source,
 * so the fields are in host byte order and the layouts are fixed C
 * structures without implicit padding.  Every message starts with a
 * version and an operation, and each operation has one exact length (a
 * RESULT: one per address count).
 *
 *	engine -> resolver
 *	CONFIGURE	start the lookups with these settings (replacing any)
 *	LOOKUP		a sender's siblings
 *	STOP		stop the lookups: threads and cache go, the process stays
 *	resolver -> engine
 *	RESULT		a lookup's answer: status, cached, name, addresses
 *	DROPPED		a lookup not made: the queue was full, or its answer
 *			does not fit the socket, or no configuration was in force
 *
 * A second socketpair carries the allow list's host names only (the pf
 * port's engine may not resolve them itself): the engine's allow thread
 * (allow.c) asks one name at a time and waits for its answer, off the
 * decision path; a thread of the resolver process answers
 * (resolver_names_serve()).  The sibling lookups never wait for it.
 *
 *	engine -> resolver
 *	NAME_LOOKUP	a host name's A and AAAA records, with a request id
 *	resolver -> engine
 *	NAME_RESULT	the id and name echoed, a status, the addresses
 *
 * Neither side trusts the other.  The resolver process reads DNS answers
 * from the internet and may be compromised; the engine reads packets from
 * the internet and may be too.  Each side checks every message it receives
 * field by field (resolver_check_request(), resolver_check_answer()) and
 * drops, with a rate-limited warning, what it refuses; neither ever waits
 * on a full socket.
 */
#ifndef MX_RESOLVER_MSG_H
#define MX_RESOLVER_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "resolver.h"

#define RESOLVER_MSG_VERSION	1

enum resolver_op {
	RESOLVER_OP_CONFIGURE = 1,
	RESOLVER_OP_LOOKUP,
	RESOLVER_OP_STOP,
	RESOLVER_OP_NAME_LOOKUP,
	RESOLVER_OP_RESULT = 101,
	RESOLVER_OP_DROPPED,
	RESOLVER_OP_NAME_RESULT
};

/* A NAME_RESULT's status, as allow.c's resolution counts it. */
enum resolver_name_status {
	RESOLVER_NAME_OK,	/* 1 to RESOLVER_NAME_ADDRS_MAX addresses */
	RESOLVER_NAME_NONE,	/* no such name, or no address */
	RESOLVER_NAME_FAILED	/* a DNS failure */
};

/* Most addresses of one name: allow.h's ALLOW_NAME_ADDRS_MAX. */
#define RESOLVER_NAME_ADDRS_MAX	64

struct resolver_msg_header {
	uint32_t	version;	/* RESOLVER_MSG_VERSION */
	uint32_t	op;		/* enum resolver_op */
};

/*
 * A host address.  A lookup and its answer are about single hosts, so the
 * prefix is always the family's full length; it is carried (and checked)
 * so that a message says what it means.  The core's IPv4-mapped form
 * travels as family 4 only.
 */
struct resolver_msg_addr {
	uint8_t		family;		/* 4 or 6 */
	uint8_t		bits;		/* 32 or 128 */
	uint8_t		pad[2];		/* zero */
	uint8_t		addr[16];	/* IPv4: the first 4 bytes, rest zero */
};

struct resolver_msg_configure {
	struct resolver_msg_header hdr;
	uint32_t	generation;	/* not 0; stamped on every answer */
	uint32_t	threads;	/* each in its option's range */
	uint32_t	queue_size;
	uint32_t	cache_size;
	uint32_t	max_addresses;
	uint32_t	forward_confirm;	/* 0 or 1 */
	int64_t		cache_time;
};

struct resolver_msg_lookup {
	struct resolver_msg_header hdr;
	int64_t		expires;	/* the sender's; given back as is */
	struct resolver_msg_addr sender;
	uint32_t	pad;		/* zero */
};

struct resolver_msg_stop {
	struct resolver_msg_header hdr;
};

struct resolver_msg_dropped {
	struct resolver_msg_header hdr;
	uint32_t	generation;
	uint32_t	pad;		/* zero */
	int64_t		expires;
	struct resolver_msg_addr sender;
	uint32_t	pad2;		/* zero */
};

struct resolver_msg_result {
	struct resolver_msg_header hdr;
	uint32_t	generation;
	uint32_t	status;		/* RESOLVER_OK to RESOLVER_FAILED */
	uint32_t	cached;		/* 0 or 1 */
	uint32_t	count;		/* addresses that follow; 0 unless OK */
	int64_t		expires;
	struct resolver_msg_addr sender;
	char		name[RESOLVER_NAME_SIZE];	/* NUL, then zeros */
	struct resolver_msg_addr addrs[RESOLVER_ADDRS_MAX];
};

struct resolver_msg_name_lookup {
	struct resolver_msg_header hdr;
	uint32_t	id;		/* not 0 */
	uint32_t	pad;		/* zero */
	char		name[RESOLVER_NAME_SIZE];	/* not empty, NUL, zeros */
};

struct resolver_msg_name_result {
	struct resolver_msg_header hdr;
	uint32_t	id;		/* the lookup's */
	uint32_t	status;		/* enum resolver_name_status */
	uint32_t	count;		/* addresses that follow; 0 unless OK */
	uint32_t	pad;		/* zero */
	char		name[RESOLVER_NAME_SIZE];	/* the lookup's */
	struct resolver_msg_addr addrs[RESOLVER_NAME_ADDRS_MAX];
};

/* Bytes of a NAME_RESULT that carries n addresses. */
#define RESOLVER_NAME_RESULT_SIZE(n)	\
	(offsetof(struct resolver_msg_name_result, addrs) + \
	    (n) * sizeof(struct resolver_msg_addr))

/* Bytes of a RESULT that carries n addresses. */
#define RESOLVER_RESULT_SIZE(n)	\
	(offsetof(struct resolver_msg_result, addrs) + \
	    (n) * sizeof(struct resolver_msg_addr))

/* Receiving buffers: aligned for every message a side may be sent. */
union resolver_request {
	struct resolver_msg_header	hdr;
	struct resolver_msg_configure	configure;
	struct resolver_msg_lookup	lookup;
	struct resolver_msg_stop	stop;
};

union resolver_answer {
	struct resolver_msg_header	hdr;
	struct resolver_msg_result	result;
	struct resolver_msg_dropped	dropped;
};

/*
 * The checks: 0, or -1 with the reason in why.  buf holds len bytes as
 * received, aligned as the unions above; nothing past len is read.  now is
 * the receiver's monotonic clock (mxd_now()), for the expiry's sanity;
 * max_addresses is the configuration the engine sent.
 */
int	resolver_check_request(const void *, size_t, int64_t, char *, size_t);
int	resolver_check_answer(const void *, size_t, size_t, int64_t, char *,
	    size_t);

/*
 * The names socket's checks, likewise: a NAME_LOOKUP (the resolver
 * process's), a NAME_RESULT (the engine's; that it answers the question
 * asked, id and name, is the client's to check).
 */
int	resolver_check_name_request(const void *, size_t, char *, size_t);
int	resolver_check_name_answer(const void *, size_t, char *, size_t);

/*
 * The names socket's two ends.  resolver_names_serve(): the resolver
 * process's, answering until end of file (0) or a failure (-1), blocking;
 * hooks' addrs_of and free_addrs, if not NULL, are the DNS (the tests').
 * resolver_names_start(): the same in a detached thread (0, or -1).
 * resolver_names_use(): the engine's, before any lookup (-1: none);
 * resolver_names_addrs() then is an allow_getaddrinfo_fn, for one thread
 * at a time: 0, 1 (no such name), -1 (failed, or no answer in time).
 */
int	resolver_names_serve(int, const struct resolver_config *);
int	resolver_names_start(int, const struct resolver_config *);
void	resolver_names_use(int, int);
int	resolver_names_addrs(const char *, struct mx_addr *, size_t, size_t *);

/* Conversions between the core's addresses and the messages'. */
void	resolver_msg_addr_put(struct resolver_msg_addr *,
	    const struct mx_addr *);
void	resolver_msg_addr_get(const struct resolver_msg_addr *,
	    struct mx_addr *);

/* resolver.c's way to the client side (resolver_remote.c). */
struct resolver_client;

struct resolver_client *resolver_client_create(int,
	    const struct resolver_config *, uint64_t);
void	resolver_client_destroy(struct resolver_client *);
int	resolver_client_fd(const struct resolver_client *);
enum resolver_submit resolver_client_submit(struct resolver_client *,
	    const struct mx_addr *, int64_t, int64_t);
size_t	resolver_client_collect(struct resolver_client *, int64_t,
	    resolver_cb *, void *);
size_t	resolver_client_pending(const struct resolver_client *);

#endif
