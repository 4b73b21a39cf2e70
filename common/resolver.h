/*
 * Reverse-DNS sibling lookups, off the packet path.
 *
 * For a sender S the workers look up S's PTR name, then that name's A and
 * AAAA records.  The main loop submits lookups and collects results; it
 * never waits for DNS, so a slow or dead resolver cannot delay a verdict.
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
	RESOLVER_FAILED		/* a DNS error: SERVFAIL, timeout, ... */
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
	RESOLVER_SKIPPED	/* the queue is full */
};

typedef void	resolver_cb(void *, const struct resolver_result *);

struct resolver;

struct resolver	*resolver_create(const struct resolver_config *, uint64_t);
void		 resolver_destroy(struct resolver *);
int		 resolver_fd(const struct resolver *);
enum resolver_submit resolver_submit(struct resolver *, const struct mx_addr *,
		    int64_t, int64_t, resolver_cb *, void *);
size_t		 resolver_collect(struct resolver *, int64_t, resolver_cb *,
		    void *);
size_t		 resolver_pending(struct resolver *);

#endif
