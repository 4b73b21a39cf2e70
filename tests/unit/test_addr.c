/*
 * Unit tests for addr.c: parsing, formatting, masking and address lists.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "t.h"

/* The bytes an address must have, written out so no helper is trusted. */
static const uint8_t v4_bytes[16] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 77
};
static const uint8_t v6_bytes[16] = {
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x02,
	0xaa, 0xaa, 0xbb, 0xbb, 0xcc, 0xcc, 0xdd, 0xdd
};

static struct mx_addr
addr(const char *text)
{
	struct mx_addr a;

	memset(&a, 0xee, sizeof(a));
	if (!addr_parse(text, &a))
		memset(&a, 0xee, sizeof(a));
	return a;
}

static bool
formats_as(const char *text, const char *want)
{
	struct mx_addr a;
	char buf[MX_ADDRSTRLEN];

	if (!addr_parse(text, &a))
		return false;
	return strcmp(addr_format(&a, buf, sizeof(buf)), want) == 0;
}

static void
test_parse(void)
{
	struct mx_addr a, b;
	bool ok;

	ok = addr_parse("192.0.2.77", &a);
	CHECK(ok && memcmp(a.a, v4_bytes, 16) == 0,
	    "IPv4 literal parses to its IPv4-mapped 16 bytes");
	CHECK(addr_is_v4(&a), "an IPv4 literal is an IPv4 address");

	ok = addr_parse("2001:db8:1:2:aaaa:bbbb:cccc:dddd", &a);
	CHECK(ok && memcmp(a.a, v6_bytes, 16) == 0,
	    "IPv6 literal parses to its 16 bytes");
	CHECK(!addr_is_v4(&a), "an IPv6 literal is not an IPv4 address");

	a = addr("::ffff:192.0.2.77");
	b = addr("192.0.2.77");
	CHECK(addr_equal(&a, &b),
	    "::ffff:192.0.2.77 equals 192.0.2.77 (one key for both)");
	CHECK(addr_is_v4(&a), "an IPv4-mapped IPv6 literal is IPv4");
	a = addr("::ffff:c000:24d");
	CHECK(addr_equal(&a, &b), "::ffff:c000:24d (hex form) equals 192.0.2.77");

	a = addr("::192.0.2.77");
	CHECK(!addr_equal(&a, &b) && !addr_is_v4(&a),
	    "IPv4-compatible ::192.0.2.77 is not the IPv4 address");
	a = addr("192.0.2.78");
	CHECK(!addr_equal(&a, &b), "192.0.2.78 differs from 192.0.2.77");
	a = addr("2001:DB8:1:2:AAAA:BBBB:CCCC:DDDD");
	CHECK(memcmp(a.a, v6_bytes, 16) == 0,
	    "IPv6 hex digits are case-insensitive");
}

static void
test_parse_bad(void)
{
	static const char *bad[] = {
		"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.-1",
		"192.0.2.1/24", " 192.0.2.1", "192.0.2.1 ", "192.0.2.1x",
		"mail.example.com", "localhost", "0x7f.0.0.1",
		"2001:db8::g", "2001:db8:::1", "1:2:3:4:5:6:7:8:9",
		"2001:db8::1%eth0", "[2001:db8::1]", "::ffff:256.1.1.1",
		":", "::1::", "12345::"
	};
	struct mx_addr a;
	size_t i, accepted = 0;
	const char *which = "none";

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&a, 0x5a, sizeof(a));
		if (addr_parse(bad[i], &a)) {
			accepted++;
			which = bad[i];
		}
	}
	CHECK(accepted == 0, "%zu bad literals rejected (accepted: '%s')",
	    sizeof(bad) / sizeof(bad[0]), which);
}

static void
test_format(void)
{
	struct mx_addr a;
	char buf[MX_ADDRSTRLEN], small[8];
	const char *res;

	CHECK(formats_as("192.0.2.77", "192.0.2.77"),
	    "IPv4 formats as dotted quad");
	CHECK(formats_as("::ffff:192.0.2.77", "192.0.2.77"),
	    "IPv4-mapped IPv6 formats as the IPv4 address");
	CHECK(formats_as("2001:0db8:0000:0000:0000:0000:0000:0001",
	    "2001:db8::1"), "IPv6 formats in compressed form");
	CHECK(formats_as("::", "::") && formats_as("::1", "::1"),
	    "IPv6 :: and ::1 format");
	CHECK(formats_as("0.0.0.0", "0.0.0.0") &&
	    formats_as("255.255.255.255", "255.255.255.255"),
	    "IPv4 extremes format");

	/* The longest text form must fit MX_ADDRSTRLEN. */
	memset(a.a, 0xff, sizeof(a.a));
	res = addr_format(&a, buf, sizeof(buf));
	CHECK(res == buf &&
	    strcmp(buf, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") == 0,
	    "all-ones IPv6 formats in full");
	a = addr("2001:db8::1");
	memset(small, 'x', sizeof(small));
	res = addr_format(&a, small, sizeof(small));
	CHECK(res == small && small[0] == '\0',
	    "a buffer too small yields an empty string, not garbage");
	a = addr("2001:db8::1:0:0:5");
	memset(buf, 'x', sizeof(buf));
	addr_format(&a, buf, sizeof(buf));
	CHECK(formats_as(buf, "2001:db8::1:0:0:5"),
	    "format output parses back to the same address");
}

static void
test_from_raw(void)
{
	static const uint8_t in4[4] = { 198, 51, 100, 9 };
	struct mx_addr a, b;

	addr_from_v4(&a, in4);
	b = addr("198.51.100.9");
	CHECK(addr_equal(&a, &b), "addr_from_v4 matches the parsed literal");
	addr_from_v6(&a, v6_bytes);
	CHECK(memcmp(a.a, v6_bytes, 16) == 0, "addr_from_v6 copies 16 bytes");
}

static bool
masks_to(const char *text, unsigned bits, const char *want)
{
	struct mx_addr a, w;

	a = addr(text);
	w = addr(want);
	addr_mask(&a, bits);
	return addr_equal(&a, &w);
}

static void
test_mask(void)
{
	struct mx_addr a;

	a = addr("192.0.2.77");
	CHECK(addr_prefix_bits(&a, 24, 64) == 120,
	    "an IPv4 /24 is a /120 of the mapped form");
	a = addr("2001:db8::1");
	CHECK(addr_prefix_bits(&a, 24, 64) == 64,
	    "an IPv6 address takes the IPv6 prefix length");

	CHECK(masks_to("192.0.2.77", 120, "192.0.2.0"),
	    "192.0.2.77 masked to /24 (120 bits) is 192.0.2.0");
	CHECK(masks_to("192.0.2.77", 128, "192.0.2.77"),
	    "a /128 mask changes nothing");
	CHECK(masks_to("192.0.2.77", 125, "192.0.2.72"),
	    "a mask inside a byte (/29) keeps the top bits of that byte");
	CHECK(masks_to("192.0.2.255", 121, "192.0.2.128"),
	    "192.0.2.255/25 is 192.0.2.128");
	CHECK(masks_to("10.255.255.255", 104, "10.0.0.0"),
	    "10.255.255.255/8 (104 bits) is 10.0.0.0");
	CHECK(masks_to("2001:db8:1:2:aaaa:bbbb:cccc:dddd", 64,
	    "2001:db8:1:2::"), "IPv6 /64 clears the interface identifier");
	CHECK(masks_to("2001:db8:1:2:aaaa:bbbb:cccc:dddd", 56,
	    "2001:db8:1::"), "IPv6 /56 clears the low byte of the subnet");
	CHECK(masks_to("2001:db8:1:2:aaaa:bbbb:cccc:dddd", 0, "::"),
	    "a /0 mask clears everything");
	a = addr("192.0.2.77");
	addr_mask(&a, 120);
	CHECK(addr_is_v4(&a), "a /120 mask keeps an IPv4 address IPv4");
}

static void
test_list(void)
{
	struct mx_addrlist list = { NULL, 0 }, copy = { NULL, 0 };
	struct mx_addr a = addr("192.0.2.10"), b = addr("2001:db8::10");
	struct mx_addr c = addr("192.0.2.11"), m = addr("::ffff:192.0.2.10");
	int rc;

	CHECK(!addrlist_contains(&list, &a), "an empty list contains nothing");
	rc = addrlist_add(&list, &a);
	CHECK(rc == 0 && list.count == 1 && addrlist_contains(&list, &a),
	    "add one address");
	rc = addrlist_add(&list, &b);
	CHECK(rc == 0 && list.count == 2 && addrlist_contains(&list, &b) &&
	    addrlist_contains(&list, &a), "add a second (IPv6) address");
	CHECK(!addrlist_contains(&list, &c), "an address not added is absent");
	rc = addrlist_add(&list, &a);
	CHECK(rc == 0 && list.count == 2, "adding a duplicate keeps one copy");
	rc = addrlist_add(&list, &m);
	CHECK(rc == 0 && list.count == 2,
	    "the IPv4-mapped form of a listed IPv4 address is a duplicate");
	CHECK(addr_equal(&list.addrs[0], &a) && addr_equal(&list.addrs[1], &b),
	    "addresses are kept in insertion order");

	rc = addrlist_copy(&copy, &list);
	CHECK(rc == 0 && copy.count == 2 && copy.addrs != list.addrs &&
	    addr_equal(&copy.addrs[0], &a) && addr_equal(&copy.addrs[1], &b),
	    "copy duplicates the addresses into new memory");
	rc = addrlist_add(&copy, &c);
	CHECK(rc == 0 && copy.count == 3 && list.count == 2 &&
	    !addrlist_contains(&list, &c), "the copy is independent");

	addrlist_free(&list);
	CHECK(list.addrs == NULL && list.count == 0,
	    "free empties the list");
	CHECK(addrlist_contains(&copy, &a),
	    "the copy survives freeing the original");
	addrlist_free(&copy);

	copy.count = 99;
	copy.addrs = (struct mx_addr *)&a;
	rc = addrlist_copy(&copy, &list);
	CHECK(rc == 0 && copy.count == 0 && copy.addrs == NULL,
	    "copying an empty list yields an empty list");
	addrlist_free(&copy);
}

int
main(void)
{
	test_parse();
	test_parse_bad();
	test_format();
	test_from_raw();
	test_mask();
	test_list();
	return T_DONE();
}
