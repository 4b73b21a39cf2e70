/*
 * The permanent allow list (options allow and allow-file): senders that
 * always pass the real MX and never expire.  Entries are addresses,
 * networks, or host names whose A and AAAA records are resolved off the
 * decision path (a thread, allow_resolve_*) and swapped in by the loop.
 */
#ifndef MX_ALLOW_H
#define MX_ALLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* An entry's text: an address, ADDRESS/PREFIX, or a host name. */
enum allow_kind {
	ALLOW_BAD,
	ALLOW_NET,
	ALLOW_NAME
};

/* Shortest networks accepted: as whitelist-prefix4/6 allow. */
#define ALLOW_PREFIX4_MIN	8
#define ALLOW_PREFIX6_MIN	16
/* Most addresses kept from one name. */
#define ALLOW_NAME_ADDRS_MAX	64

struct allow_net {
	struct mx_addr	 addr;		/* masked */
	unsigned	 bits;		/* of the 128, IPv4 mapped: 96 + n */
	int		 name;		/* index of the name, -1: literal */
};

struct mx_allow {
	struct allow_net *nets;
	size_t		 count;
	char		**names;	/* the host names, as given */
	bool		*resolved;	/* per name: an answer has come */
	size_t		 nnames;
};

enum allow_kind	allow_parse(const char *, struct mx_addr *, unsigned *,
		    char *, size_t);
struct mx_allow	*allow_build(char *const *, size_t, const struct mx_allow *);
void		 allow_free(struct mx_allow *);
bool		 allow_match(const struct mx_allow *, const struct mx_addr *);
bool		 allow_has(const struct mx_allow *, const struct mx_addr *,
		    unsigned);
unsigned	 allow_prefix(const struct allow_net *);
int		 allow_set_name(struct mx_allow *, size_t,
		    const struct mx_addr *, size_t);

/* Resolution of an allow list's names in a thread of its own. */
typedef int	allow_getaddrinfo_fn(const char *, struct mx_addr *, size_t,
		    size_t *);
struct allow_resolve;
struct allow_resolve *allow_resolve_start(const struct mx_allow *, int,
		    allow_getaddrinfo_fn *);
bool		 allow_resolve_done(const struct allow_resolve *);
int		 allow_resolve_finish(struct allow_resolve *, struct mx_allow *);
void		 allow_resolve_cancel(struct allow_resolve *);

#endif
