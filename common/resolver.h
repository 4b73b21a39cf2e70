/*
 * Reverse-DNS sibling lookups, off the packet path.
 *
 * For a sender S the workers look up S's PTR name, then that name's A and
 * AAAA records.  The main loop submits lookups and collects results; it
 * never waits for DNS, so a slow or dead resolver cannot delay a verdict.
 *
 * Two flavours behind one interface.  resolver_create() starts the worker
 * threads in this process (the Linux port).  resolver_connect() hands the
 * lookups to a resolver process over a socket instead (the pf port, whose
 * engine may not resolve names itself): that process runs resolver_serve(),
 * which keeps the threads and the cache.  The messages between the two are
 * in resolver_msg.h.
 */
#ifndef MX_RESOLVER_H
#define MX_RESOLVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct addrinfo;
struct sockaddr;

/* A name's buffer: the longest name kept, and its NUL. */
#define RESOLVER_NAME_SIZE	256
/* Most addresses kept from one name: rdns-max-addresses' upper limit. */
#define RESOLVER_ADDRS_MAX	1024

/* The two DNS calls, as getnameinfo(NI_NAMEREQD) and getaddrinfo(). */
typedef int	resolver_name_fn(const struct sockaddr *, unsigned, char *,
		    size_t);
typedef int	resolver_addrs_fn(const char *, struct addrinfo **);
typedef void	resolver_free_fn(struct addrinfo *);

struct resolver_config {
	unsigned	threads;
	size_t		queue_size;
	size_t		cache_size;
	int64_t		cache_time;
	size_t		max_addresses;
	bool		forward_confirm;
	/* NULL: the system resolver.  The tests bring their own. */
	resolver_name_fn	*name_of;
	resolver_addrs_fn	*addrs_of;
	resolver_free_fn	*free_addrs;
};

enum resolver_status {
	RESOLVER_OK,		/* addrs hold the name's addresses */
	RESOLVER_NO_NAME,	/* no PTR record (NXDOMAIN or empty) */
	RESOLVER_UNCONFIRMED,	/* the name does not resolve back to S */
	RESOLVER_FAILED,	/* a DNS error: SERVFAIL, timeout, ... */
	/*
	 * Remote only: the resolver process's queue was full, or it could
	 * not answer; the lookup was not made (no name, no addresses).
	 */
	RESOLVER_DROPPED
};

struct resolver_result {
	struct mx_addr		 sender;
	int64_t			 expires;	/* the sender's, for siblings */
	enum resolver_status	 status;
	bool			 cached;
	const char		*name;
	const struct mx_addr	*addrs;
	size_t			 count;
};

enum resolver_submit {
	RESOLVER_QUEUED,	/* the result comes through resolver_collect */
	RESOLVER_CACHED,	/* the callback already had the result */
	RESOLVER_PENDING,	/* a lookup for this sender is under way */
	RESOLVER_SKIPPED	/* the queue (remote: the socket) is full */
};

/* What resolver_serve() did, for its caller's logs and the tests. */
struct resolver_serve_stats {
	uint64_t	configured;	/* CONFIGURE requests carried out */
	uint64_t	lookups;	/* LOOKUP requests taken */
	uint64_t	refused;	/* requests malformed or out of turn */
	uint64_t	dropped;	/* DROPPED answers: queue full, too large */
	uint64_t	unsent;		/* answers lost: the socket was full */
};

typedef void	resolver_cb(void *, const struct resolver_result *);

struct resolver;

struct resolver	*resolver_create(const struct resolver_config *, uint64_t);
struct resolver	*resolver_connect(int, const struct resolver_config *,
		    uint64_t);
void		 resolver_destroy(struct resolver *);
int		 resolver_fd(const struct resolver *);
enum resolver_submit resolver_submit(struct resolver *, const struct mx_addr *,
		    int64_t, int64_t, resolver_cb *, void *);
size_t		 resolver_collect(struct resolver *, int64_t, resolver_cb *,
		    void *);
size_t		 resolver_pending(struct resolver *);

int		 resolver_socketpair(int [2]);
int		 resolver_serve(int, const struct resolver_config *, uint64_t,
		    struct resolver_serve_stats *);

#endif
