/*
 * Network addresses as the core sees them.
 *
 * Every address is kept as 16 bytes in IPv6 form; an IPv4 address is stored
 * IPv4-mapped (::ffff:a.b.c.d).  A sender that reaches us over IPv4 and one
 * that shows up as an IPv4-mapped IPv6 source are therefore the same key in
 * the whitelist, with no special case anywhere else.
 */
#ifndef MX_ADDR_H
#define MX_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct mx_addr {
	uint8_t		a[16];
};

/* Longest text form: an IPv6 address with an IPv4 tail, plus NUL. */
#define MX_ADDRSTRLEN	46

bool	addr_parse(const char *, struct mx_addr *);
void	addr_from_v4(struct mx_addr *, const void *);
void	addr_from_v6(struct mx_addr *, const void *);
const char *addr_format(const struct mx_addr *, char *, size_t);
void	addr_mask(struct mx_addr *, unsigned);
unsigned addr_prefix_bits(const struct mx_addr *, unsigned, unsigned);

/* The first 12 bytes of an IPv4-mapped address (::ffff:0:0/96). */
#define ADDR_V4MAPPED_LEN	12
extern const uint8_t addr_v4mapped_prefix[ADDR_V4MAPPED_LEN];

/* Inline: both run several times for every packet decided. */
static inline bool
addr_is_v4(const struct mx_addr *addr)
{
	return memcmp(addr->a, addr_v4mapped_prefix, ADDR_V4MAPPED_LEN) == 0;
}

static inline bool
addr_equal(const struct mx_addr *x, const struct mx_addr *y)
{
	return memcmp(x->a, y->a, sizeof(x->a)) == 0;
}

/* A short list of addresses: the fake and the real MX sets. */
struct mx_addrlist {
	struct mx_addr	*addrs;
	size_t		 count;
};

int	addrlist_add(struct mx_addrlist *, const struct mx_addr *);
bool	addrlist_contains(const struct mx_addrlist *, const struct mx_addr *);
int	addrlist_copy(struct mx_addrlist *, const struct mx_addrlist *);
void	addrlist_free(struct mx_addrlist *);

#endif
