/*
 * Address parsing, formatting and the small MX address lists.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "addr.h"

const uint8_t addr_v4mapped_prefix[ADDR_V4MAPPED_LEN] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

void
addr_from_v4(struct mx_addr *addr, const void *in4)
{
	memcpy(addr->a, addr_v4mapped_prefix, ADDR_V4MAPPED_LEN);
	memcpy(addr->a + 12, in4, 4);
}

void
addr_from_v6(struct mx_addr *addr, const void *in6)
{
	memcpy(addr->a, in6, 16);
}

bool
addr_parse(const char *text, struct mx_addr *addr)
{
	uint8_t buf[16];

	if (inet_pton(AF_INET, text, buf) == 1) {
		addr_from_v4(addr, buf);
		return true;
	}
	if (inet_pton(AF_INET6, text, buf) == 1) {
		addr_from_v6(addr, buf);
		return true;
	}
	return false;
}

const char *
addr_format(const struct mx_addr *addr, char *buf, size_t len)
{
	const char *res;

	if (addr_is_v4(addr))
		res = inet_ntop(AF_INET, addr->a + 12, buf, len);
	else
		res = inet_ntop(AF_INET6, addr->a, buf, len);
	if (res == NULL && len > 0)
		buf[0] = '\0';
	return buf;
}

/*
 * Prefix length in the 128-bit space for a prefix given in the address's own
 * family: a /24 for an IPv4 address is a /120 of its mapped form.
 */
unsigned
addr_prefix_bits(const struct mx_addr *addr, unsigned bits4, unsigned bits6)
{
	return addr_is_v4(addr) ? 96 + bits4 : bits6;
}

/* Clear every bit after the first `bits' of the 128-bit form. */
void
addr_mask(struct mx_addr *addr, unsigned bits)
{
	unsigned i;

	for (i = 0; i < 16; i++) {
		if (bits >= 8) {
			bits -= 8;
			continue;
		}
		addr->a[i] &= (uint8_t)(0xff00 >> bits);
		bits = 0;
	}
}

int
addrlist_add(struct mx_addrlist *list, const struct mx_addr *addr)
{
	struct mx_addr *grown;

	if (addrlist_contains(list, addr))
		return 0;
	grown = reallocarray(list->addrs, list->count + 1, sizeof(*grown));
	if (grown == NULL)
		return -1;
	grown[list->count++] = *addr;
	list->addrs = grown;
	return 0;
}

/* MX sets hold a handful of addresses: a linear scan beats any index. */
bool
addrlist_contains(const struct mx_addrlist *list, const struct mx_addr *addr)
{
	size_t i;

	for (i = 0; i < list->count; i++)
		if (addr_equal(&list->addrs[i], addr))
			return true;
	return false;
}

int
addrlist_copy(struct mx_addrlist *dst, const struct mx_addrlist *src)
{
	dst->addrs = NULL;
	dst->count = 0;
	if (src->count == 0)
		return 0;
	dst->addrs = reallocarray(NULL, src->count, sizeof(*dst->addrs));
	if (dst->addrs == NULL)
		return -1;
	memcpy(dst->addrs, src->addrs, src->count * sizeof(*dst->addrs));
	dst->count = src->count;
	return 0;
}

void
addrlist_free(struct mx_addrlist *list)
{
	free(list->addrs);
	list->addrs = NULL;
	list->count = 0;
}
