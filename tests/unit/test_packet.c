/*
 * Unit tests for packet.c.  Every packet is built here byte by byte, so
 * the tests depend on no system header layout; every parse runs on a heap
 * copy of exactly the captured length, so AddressSanitizer catches any
 * read past it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "packet.h"
#include "t.h"

#define PROTO_TCP	6
#define PROTO_UDP	17
#define EXT_HOPOPTS	0
#define EXT_ROUTING	43
#define EXT_FRAGMENT	44
#define EXT_AH		51
#define EXT_NONE	59
#define EXT_DSTOPTS	60
#define IP_MF		0x2000

#define SPORT		40001
#define DPORT		25

static const uint8_t src4[4] = { 198, 51, 100, 7 };
static const uint8_t dst4[4] = { 192, 0, 2, 10 };
static const uint8_t src6[16] = {
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34
};
static const uint8_t dst6[16] = {
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x25
};

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * An IPv4 header of ihl words (at least 5 are written; options are NOPs)
 * with the total length still to be set by the caller.
 */
static size_t
ipv4_header(uint8_t *p, unsigned ihl, unsigned frag, uint8_t proto)
{
	size_t hlen = (ihl < 5 ? 5 : ihl) * 4;

	memset(p, 0, hlen);
	p[0] = (uint8_t)(0x40 | (ihl & 0x0f));
	put16(p + 4, 0x1234);		/* identification */
	put16(p + 6, frag);
	p[8] = 64;			/* TTL */
	p[9] = proto;
	memcpy(p + 12, src4, 4);
	memcpy(p + 16, dst4, 4);
	memset(p + 20, 1, hlen - 20);	/* NOP options */
	return hlen;
}

/* A TCP header of doff words (options are NOPs). */
static size_t
tcp_header(uint8_t *p, uint8_t flags, unsigned doff)
{
	size_t hlen = (doff < 5 ? 5 : doff) * 4;

	memset(p, 0, hlen);
	put16(p, SPORT);
	put16(p + 2, DPORT);
	put16(p + 4, 0xdead);		/* sequence number */
	put16(p + 6, 0xbeef);
	p[12] = (uint8_t)(doff << 4);
	p[13] = flags;
	put16(p + 14, 65535);		/* window */
	memset(p + 20, 1, hlen - 20);
	return hlen;
}

/* IPv4 + TCP, total length set to what was written. */
static size_t
v4_tcp(uint8_t *buf, unsigned ihl, unsigned frag, uint8_t flags)
{
	size_t len = ipv4_header(buf, ihl, frag, PROTO_TCP);

	len += tcp_header(buf + len, flags, 5);
	put16(buf + 2, (unsigned)len);
	return len;
}

static size_t
ipv6_header(uint8_t *p, uint8_t next)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	p[6] = next;
	p[7] = 64;			/* hop limit */
	memcpy(p + 8, src6, 16);
	memcpy(p + 24, dst6, 16);
	return 40;
}

/*
 * One extension header of the given type, followed by next.  units is
 * the header's own length field (in its own units); frag is the fragment
 * offset and M flag word for a fragment header.
 */
static size_t
ext_header(uint8_t *p, uint8_t type, uint8_t next, unsigned units,
    unsigned frag)
{
	size_t len;

	switch (type) {
	case EXT_FRAGMENT:
		len = 8;
		break;
	case EXT_AH:
		len = (units + 2) * 4;
		break;
	default:
		len = (units + 1) * 8;
		break;
	}
	memset(p, 0, len);
	p[0] = next;
	p[1] = type == EXT_FRAGMENT ? 0 : (uint8_t)units;
	if (type == EXT_FRAGMENT) {
		put16(p + 2, frag);
		put16(p + 6, 0x4242);	/* identification */
	} else if (type == EXT_ROUTING)
		p[3] = 0;		/* segments left */
	else if (type == EXT_HOPOPTS || type == EXT_DSTOPTS) {
		p[2] = 1;		/* PadN over the rest */
		p[3] = (uint8_t)(len - 4);
	}
	return len;
}

struct ext {
	uint8_t		type;
	unsigned	units;
	unsigned	frag;
};

/*
 * IPv6 through a chain of extension headers to a final protocol; a TCP
 * header is written if that protocol is TCP, 8 bytes of payload otherwise.
 */
static size_t
v6_chain(uint8_t *buf, const struct ext *chain, size_t n, uint8_t last,
    uint8_t flags)
{
	size_t len, i;

	len = ipv6_header(buf, n > 0 ? chain[0].type : last);
	for (i = 0; i < n; i++)
		len += ext_header(buf + len, chain[i].type,
		    i + 1 < n ? chain[i + 1].type : last, chain[i].units,
		    chain[i].frag);
	if (last == PROTO_TCP)
		len += tcp_header(buf + len, flags, 5);
	else {
		memset(buf + len, 0x77, 8);
		len += 8;
	}
	put16(buf + 4, (unsigned)(len - 40));
	return len;
}

static bool
valid_result(enum pkt_result r)
{
	return r == PKT_TCP || r == PKT_NOT_TCP || r == PKT_FRAGMENT ||
	    r == PKT_MALFORMED;
}

/* Parse exactly len bytes from a fresh heap block, for ASan's sake. */
static enum pkt_result
parse(const uint8_t *buf, size_t len, struct pkt_info *info)
{
	enum pkt_result r;
	uint8_t *copy;

	if ((copy = malloc(len ? len : 1)) == NULL)
		abort();
	memcpy(copy, buf, len);
	r = pkt_parse_ip(copy, len, info);
	free(copy);
	return r;
}

static enum pkt_result
parse_only(const uint8_t *buf, size_t len)
{
	struct pkt_info info;

	return parse(buf, len, &info);
}

static bool
info_is_v4_syn(const struct pkt_info *info, uint8_t flags)
{
	struct mx_addr s, d;

	addr_from_v4(&s, src4);
	addr_from_v4(&d, dst4);
	return info->ip_version == 4 && addr_equal(&info->src, &s) &&
	    addr_equal(&info->dst, &d) && info->sport == SPORT &&
	    info->dport == DPORT && info->tcp_flags == flags;
}

static bool
info_is_v6(const struct pkt_info *info, uint8_t flags)
{
	struct mx_addr s, d;

	addr_from_v6(&s, src6);
	addr_from_v6(&d, dst6);
	return info->ip_version == 6 && addr_equal(&info->src, &s) &&
	    addr_equal(&info->dst, &d) && info->sport == SPORT &&
	    info->dport == DPORT && info->tcp_flags == flags;
}

static void
test_ipv4(void)
{
	uint8_t buf[256];
	struct pkt_info info;
	enum pkt_result r;
	size_t len;
	unsigned ihl, ok;

	len = v4_tcp(buf, 5, 0, TCP_FLAG_SYN);
	r = parse(buf, len, &info);
	CHECK(r == PKT_TCP && info_is_v4_syn(&info, TCP_FLAG_SYN),
	    "IPv4 SYN: addresses, ports, flags and version");
	CHECK(addr_is_v4(&info.src) && addr_is_v4(&info.dst),
	    "IPv4 addresses are stored IPv4-mapped");

	ok = 0;
	for (ihl = 6; ihl <= 15; ihl++) {
		len = v4_tcp(buf, ihl, 0, TCP_FLAG_SYN | TCP_FLAG_ACK);
		r = parse(buf, len, &info);
		if (r == PKT_TCP &&
		    info_is_v4_syn(&info, TCP_FLAG_SYN | TCP_FLAG_ACK))
			ok++;
	}
	CHECK(ok == 10, "IPv4 with options, IHL 6..15: TCP found after them "
	    "(%u of 10)", ok);

	ok = 0;
	for (ihl = 0; ihl < 5; ihl++) {
		len = v4_tcp(buf, 5, 0, TCP_FLAG_SYN);
		buf[0] = (uint8_t)(0x40 | ihl);
		if (parse_only(buf, len) == PKT_MALFORMED)
			ok++;
	}
	CHECK(ok == 5, "IPv4 IHL 0..4 is malformed (%u of 5)", ok);

	/* IHL 15 (60 bytes) in a 40-byte capture of a 1500-byte packet. */
	len = v4_tcp(buf, 5, 0, TCP_FLAG_SYN);
	buf[0] = 0x4f;
	put16(buf + 2, 1500);
	r = parse_only(buf, len);
	CHECK(r == PKT_MALFORMED, "IPv4 IHL beyond the captured length is "
	    "malformed");
	buf[0] = 0x46;
	put16(buf + 2, 24);
	r = parse_only(buf, 24);
	CHECK(r == PKT_MALFORMED, "IPv4 IHL 6 with a 24-byte capture and no "
	    "TCP header is malformed");

	len = v4_tcp(buf, 6, 0, TCP_FLAG_SYN);
	put16(buf + 2, 20);
	r = parse_only(buf, len);
	CHECK(r == PKT_MALFORMED, "IPv4 total length (20) < IHL (24) is "
	    "malformed");
	put16(buf + 2, 0);
	r = parse_only(buf, len);
	CHECK(r == PKT_MALFORMED, "IPv4 total length 0 is malformed");

	len = v4_tcp(buf, 5, 0, TCP_FLAG_SYN);
	r = parse_only(buf, 39);
	CHECK(r == PKT_MALFORMED, "IPv4 with a truncated TCP header (19 of "
	    "20 bytes) is malformed");

	ok = 0;
	for (ihl = 0; ihl < 5; ihl++) {
		len = v4_tcp(buf, 5, 0, TCP_FLAG_SYN);
		buf[20 + 12] = (uint8_t)(ihl << 4);
		if (parse_only(buf, len) == PKT_MALFORMED)
			ok++;
	}
	CHECK(ok == 5, "TCP data offset 0..4 is malformed (%u of 5)", ok);
	len = v4_tcp(buf, 5, 0, TCP_FLAG_SYN);
	buf[20 + 12] = 0x50;
	r = parse_only(buf, len);
	CHECK(r == PKT_TCP, "TCP data offset 5 is accepted");
}

static void
test_ipv4_fragments(void)
{
	uint8_t buf[256];
	struct pkt_info info;
	enum pkt_result r;
	size_t len;

	len = v4_tcp(buf, 5, 185, TCP_FLAG_SYN);
	r = parse(buf, len, &info);
	CHECK(r == PKT_FRAGMENT, "IPv4 non-first fragment (offset 185) -> "
	    "PKT_FRAGMENT");
	len = v4_tcp(buf, 5, 1 | IP_MF, TCP_FLAG_SYN);
	r = parse(buf, len, &info);
	CHECK(r == PKT_FRAGMENT, "IPv4 fragment offset 1 with MF -> "
	    "PKT_FRAGMENT, its bytes are not read as TCP");
	len = v4_tcp(buf, 5, IP_MF, TCP_FLAG_SYN);
	r = parse(buf, len, &info);
	CHECK(r == PKT_TCP && info_is_v4_syn(&info, TCP_FLAG_SYN),
	    "IPv4 first fragment (offset 0, MF) parses as TCP");
	len = v4_tcp(buf, 5, 0x4000, TCP_FLAG_SYN);
	r = parse(buf, len, &info);
	CHECK(r == PKT_TCP, "IPv4 with DF set parses as TCP");
}

static void
test_ipv4_lengths(void)
{
	uint8_t buf[256];
	struct pkt_info info;
	enum pkt_result r;
	size_t len;

	len = ipv4_header(buf, 5, 0, PROTO_UDP);
	memset(buf + len, 0, 28);
	len += 28;
	put16(buf + 2, (unsigned)len);
	r = parse(buf, len, &info);
	CHECK(r == PKT_NOT_TCP && info.ip_version == 4,
	    "IPv4 UDP -> PKT_NOT_TCP");

	/* Ethernet pads short frames to 60 bytes. */
	len = v4_tcp(buf, 5, 0, TCP_FLAG_SYN);
	memset(buf + len, 0xaa, 20);
	r = parse(buf, len + 20, &info);
	CHECK(r == PKT_TCP && info_is_v4_syn(&info, TCP_FLAG_SYN),
	    "IPv4 with link padding after total length parses");
	put16(buf + 2, 30);
	r = parse(buf, len + 20, &info);
	CHECK(r == PKT_MALFORMED, "IPv4 total length cutting the TCP header "
	    "is honoured even when more bytes were captured");

	/* The port asked the kernel for the first bytes only. */
	len = v4_tcp(buf, 5, 0, TCP_FLAG_SYN);
	put16(buf + 2, 1500);
	r = parse(buf, len, &info);
	CHECK(r == PKT_TCP && info_is_v4_syn(&info, TCP_FLAG_SYN),
	    "IPv4 captured (40) shorter than total length (1500) parses");
}

static void
test_ipv6(void)
{
	uint8_t buf[512];
	struct pkt_info info;
	enum pkt_result r;
	size_t len;
	const struct ext hop = { EXT_HOPOPTS, 0, 0 };
	const struct ext rt = { EXT_ROUTING, 2, 0 };
	const struct ext dst = { EXT_DSTOPTS, 1, 0 };
	const struct ext ah = { EXT_AH, 4, 0 };
	const struct ext frag0 = { EXT_FRAGMENT, 0, 1 };	/* M set */
	const struct ext frag1 = { EXT_FRAGMENT, 0, 100 << 3 };
	struct ext chain[5];

	len = v6_chain(buf, NULL, 0, PROTO_TCP, TCP_FLAG_SYN);
	r = parse(buf, len, &info);
	CHECK(r == PKT_TCP && info_is_v6(&info, TCP_FLAG_SYN),
	    "IPv6 SYN: addresses, ports, flags and version");

	len = v6_chain(buf, &hop, 1, PROTO_TCP, TCP_FLAG_SYN);
	r = parse(buf, len, &info);
	CHECK(r == PKT_TCP && info_is_v6(&info, TCP_FLAG_SYN),
	    "IPv6 through a hop-by-hop header");
	len = v6_chain(buf, &rt, 1, PROTO_TCP, TCP_FLAG_SYN);
	r = parse(buf, len, &info);
	CHECK(r == PKT_TCP && info_is_v6(&info, TCP_FLAG_SYN),
	    "IPv6 through a 24-byte routing header");
	len = v6_chain(buf, &dst, 1, PROTO_TCP, TCP_FLAG_SYN);
	r = parse(buf, len, &info);
	CHECK(r == PKT_TCP && info_is_v6(&info, TCP_FLAG_SYN),
	    "IPv6 through a 16-byte destination options header");
	len = v6_chain(buf, &frag0, 1, PROTO_TCP, TCP_FLAG_SYN);
	r = parse(buf, len, &info);
	CHECK(r == PKT_TCP && info_is_v6(&info, TCP_FLAG_SYN),
	    "IPv6 first fragment (offset 0, M set) parses as TCP");
	len = v6_chain(buf, &frag1, 1, PROTO_TCP, TCP_FLAG_SYN);
	r = parse(buf, len, &info);
	CHECK(r == PKT_FRAGMENT, "IPv6 fragment offset 100 -> PKT_FRAGMENT");
	len = v6_chain(buf, &ah, 1, PROTO_TCP, TCP_FLAG_SYN);
	r = parse(buf, len, &info);
	CHECK(r == PKT_TCP && info_is_v6(&info, TCP_FLAG_SYN),
	    "IPv6 through a 24-byte AH header (4-byte units)");

	chain[0] = hop;
	chain[1] = dst;
	chain[2] = rt;
	chain[3] = frag0;
	chain[4] = ah;
	len = v6_chain(buf, chain, 5, PROTO_TCP, TCP_FLAG_SYN | TCP_FLAG_ACK);
	r = parse(buf, len, &info);
	CHECK(r == PKT_TCP &&
	    info_is_v6(&info, TCP_FLAG_SYN | TCP_FLAG_ACK),
	    "IPv6 through hop-by-hop, dstopts, routing, fragment and AH");

	len = v6_chain(buf, NULL, 0, PROTO_UDP, 0);
	r = parse(buf, len, &info);
	CHECK(r == PKT_NOT_TCP && info.ip_version == 6,
	    "IPv6 UDP -> PKT_NOT_TCP");
	len = v6_chain(buf, &hop, 1, EXT_NONE, 0);
	r = parse(buf, len, &info);
	CHECK(r == PKT_NOT_TCP, "IPv6 hop-by-hop then no next header -> "
	    "PKT_NOT_TCP");
	len = v6_chain(buf, NULL, 0, EXT_NONE, 0);
	r = parse(buf, len, &info);
	CHECK(r == PKT_NOT_TCP, "IPv6 with no next header -> PKT_NOT_TCP");
}

static void
test_ipv6_lengths(void)
{
	uint8_t buf[512];
	struct pkt_info info;
	enum pkt_result r;
	size_t len;
	const struct ext hop = { EXT_HOPOPTS, 0, 0 };
	const struct ext bighop = { EXT_HOPOPTS, 10, 0 };	/* 88 bytes */
	const struct ext bigah = { EXT_AH, 30, 0 };		/* 128 bytes */

	/* A hop-by-hop header claiming 88 bytes, of which 28 were taken. */
	len = v6_chain(buf, &bighop, 1, PROTO_TCP, TCP_FLAG_SYN);
	r = parse_only(buf, 40 + 28);
	CHECK(r == PKT_MALFORMED, "IPv6 extension header longer than the "
	    "capture -> PKT_MALFORMED");
	len = v6_chain(buf, &bigah, 1, PROTO_TCP, TCP_FLAG_SYN);
	r = parse_only(buf, 40 + 100);
	CHECK(r == PKT_MALFORMED, "IPv6 AH longer than the capture -> "
	    "PKT_MALFORMED");
	len = v6_chain(buf, &hop, 1, PROTO_TCP, TCP_FLAG_SYN);
	r = parse_only(buf, 40 + 4);
	CHECK(r == PKT_MALFORMED, "IPv6 with 4 bytes of an extension header "
	    "-> PKT_MALFORMED");
	/* The payload length, not the capture, bounds the chain. */
	put16(buf + 4, 8 + 10);
	r = parse_only(buf, len);
	CHECK(r == PKT_MALFORMED, "IPv6 payload length ending inside the TCP "
	    "header -> PKT_MALFORMED");

	len = v6_chain(buf, NULL, 0, PROTO_TCP, TCP_FLAG_SYN);
	memset(buf + len, 0xaa, 6);
	r = parse(buf, len + 6, &info);
	CHECK(r == PKT_TCP && info_is_v6(&info, TCP_FLAG_SYN),
	    "IPv6 with link padding after the payload parses");
	put16(buf + 4, 1440);
	r = parse(buf, len, &info);
	CHECK(r == PKT_TCP && info_is_v6(&info, TCP_FLAG_SYN),
	    "IPv6 captured (60) shorter than the payload length (1440) "
	    "parses");
	put16(buf + 4, 0);
	r = parse(buf, len, &info);
	CHECK(r == PKT_TCP, "IPv6 payload length 0 (jumbogram) keeps the "
	    "captured length");
	r = parse_only(buf, 39);
	CHECK(r == PKT_MALFORMED, "IPv6 shorter than its 40-byte header -> "
	    "PKT_MALFORMED");
	r = parse_only(buf, 59);
	CHECK(r == PKT_MALFORMED, "IPv6 with a truncated TCP header -> "
	    "PKT_MALFORMED");
}

static void
test_version(void)
{
	uint8_t buf[256];
	size_t len;
	unsigned v, ok = 0;
	enum pkt_result r;

	len = v4_tcp(buf, 5, 0, TCP_FLAG_SYN);
	for (v = 0; v < 16; v++) {
		if (v == 4 || v == 6)
			continue;
		buf[0] = (uint8_t)(v << 4 | 5);
		if (parse_only(buf, len) == PKT_MALFORMED)
			ok++;
	}
	CHECK(ok == 14, "IP version nibble other than 4 or 6 is malformed "
	    "(%u of 14)", ok);
	buf[0] = 0x45;
	r = parse_only(buf, 0);
	CHECK(r == PKT_MALFORMED, "a zero-length packet is malformed");
	r = parse_only(buf, 1);
	CHECK(r == PKT_MALFORMED, "a one-byte packet is malformed");
}

static int
new_conn(uint8_t flags)
{
	uint8_t buf[256];
	struct pkt_info info;
	size_t len;

	len = v4_tcp(buf, 5, 0, flags);
	if (parse(buf, len, &info) != PKT_TCP)
		return -1;
	return pkt_is_new_connection(&info);
}

static void
test_new_connection(void)
{
	CHECK(new_conn(TCP_FLAG_SYN) == 1, "SYN is a new connection");
	CHECK(new_conn(TCP_FLAG_SYN | 0xc0) == 1,
	    "SYN with ECE|CWR (ECN setup) is a new connection");
	CHECK(new_conn(TCP_FLAG_SYN | TCP_FLAG_ACK) == 0,
	    "SYN|ACK is not a new connection");
	CHECK(new_conn(TCP_FLAG_SYN | TCP_FLAG_RST) == 0,
	    "SYN|RST is not a new connection");
	CHECK(new_conn(TCP_FLAG_ACK) == 0, "ACK is not a new connection");
	CHECK(new_conn(TCP_FLAG_RST) == 0, "RST is not a new connection");
	CHECK(new_conn(0) == 0, "no flags is not a new connection");
}

/* Deterministic, so a failure can be replayed. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/*
 * Every prefix of a valid TCP packet shorter than its TCP header's end is
 * malformed; from there on it parses.  needed is that end.
 */
static void
truncations(const char *what, const uint8_t *buf, size_t len, size_t needed)
{
	struct pkt_info info;
	enum pkt_result r;
	size_t cut, wrong = 0, bad_enum = 0;

	for (cut = 0; cut <= len; cut++) {
		r = parse(buf, cut, &info);
		if (!valid_result(r))
			bad_enum++;
		else if (r != (cut >= needed ? PKT_TCP : PKT_MALFORMED))
			wrong++;
	}
	CHECK(bad_enum == 0 && wrong == 0, "%s: every truncation 0..%zu is "
	    "malformed before byte %zu and TCP from there (%zu wrong)",
	    what, len, needed, wrong + bad_enum);
}

static void
test_truncation(void)
{
	uint8_t buf[512];
	size_t len;
	struct ext chain[5] = {
		{ EXT_HOPOPTS, 1, 0 }, { EXT_DSTOPTS, 0, 0 },
		{ EXT_ROUTING, 2, 0 }, { EXT_FRAGMENT, 0, 1 },
		{ EXT_AH, 4, 0 }
	};

	/* Total length says 1500: only the capture is cut. */
	len = v4_tcp(buf, 5, 0, TCP_FLAG_SYN);
	put16(buf + 2, 1500);
	truncations("IPv4", buf, len, 40);
	len = v4_tcp(buf, 15, 0, TCP_FLAG_SYN);
	put16(buf + 2, 1500);
	truncations("IPv4 IHL 15", buf, len, 80);
	len = v6_chain(buf, NULL, 0, PROTO_TCP, TCP_FLAG_SYN);
	put16(buf + 4, 1400);
	truncations("IPv6", buf, len, 60);
	len = v6_chain(buf, chain, 5, PROTO_TCP, TCP_FLAG_SYN);
	put16(buf + 4, 1400);
	truncations("IPv6 with 5 extension headers", buf, len, len);
}

static size_t
random_packet(uint8_t *buf, size_t max)
{
	static const uint8_t nexts[] = {
		EXT_HOPOPTS, EXT_ROUTING, EXT_FRAGMENT, EXT_AH, EXT_DSTOPTS,
		EXT_NONE, PROTO_TCP, PROTO_UDP
	};
	size_t len = rng() % (max + 1), i, off;
	uint64_t kind = rng() % 4;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)rng();
	if (len == 0 || kind == 0)
		return len;
	/* Steer most buffers past the first checks to reach deeper code. */
	if (kind == 1) {
		buf[0] = (uint8_t)(0x40 | (rng() % 16));
		if (len > 9)
			buf[9] = rng() % 2 ? PROTO_TCP : buf[9];
		if (len > 7 && rng() % 2)
			buf[6] = buf[7] = 0;
		return len;
	}
	buf[0] = 0x60;
	/* Chain of plausible next-header values with small lengths. */
	if (len > 6)
		buf[6] = nexts[rng() % sizeof(nexts)];
	for (off = 40; off + 1 < len; off += 8) {
		buf[off] = nexts[rng() % sizeof(nexts)];
		buf[off + 1] = (uint8_t)(rng() % 3);
	}
	return len;
}

static void
test_fuzz(void)
{
	uint8_t buf[160], valid[512];
	struct pkt_info info;
	enum pkt_result r;
	size_t i, len, vlen, bad = 0, badver = 0, seen[4] = { 0 };
	struct ext chain[3] = {
		{ EXT_HOPOPTS, 0, 0 }, { EXT_FRAGMENT, 0, 0 },
		{ EXT_AH, 4, 0 }
	};

	for (i = 0; i < 200000; i++) {
		len = random_packet(buf, sizeof(buf));
		r = parse(buf, len, &info);
		if (!valid_result(r)) {
			bad++;
			continue;
		}
		seen[r]++;
		if (r == PKT_TCP && info.ip_version != 4 &&
		    info.ip_version != 6)
			badver++;
	}
	CHECK(bad == 0 && badver == 0, "200000 random buffers: every result "
	    "is a pkt_result, TCP ones have version 4 or 6");
	CHECK(seen[PKT_TCP] > 0 && seen[PKT_NOT_TCP] > 0 &&
	    seen[PKT_FRAGMENT] > 0 && seen[PKT_MALFORMED] > 0,
	    "random buffers reach every outcome (tcp %zu, not-tcp %zu, "
	    "fragment %zu, malformed %zu)", seen[PKT_TCP], seen[PKT_NOT_TCP],
	    seen[PKT_FRAGMENT], seen[PKT_MALFORMED]);

	/* Single-byte corruptions of valid packets, at every length. */
	bad = 0;
	for (i = 0; i < 100000; i++) {
		if (i % 2)
			vlen = v4_tcp(valid, 5 + rng() % 11, 0, TCP_FLAG_SYN);
		else
			vlen = v6_chain(valid, chain, 1 + rng() % 3, PROTO_TCP,
			    TCP_FLAG_SYN);
		valid[rng() % vlen] = (uint8_t)rng();
		len = rng() % (vlen + 1);
		r = parse(valid, len, &info);
		if (!valid_result(r))
			bad++;
	}
	CHECK(bad == 0, "100000 corrupted and truncated valid packets: every "
	    "result is a pkt_result");
}

int
main(void)
{
	test_ipv4();
	test_ipv4_fragments();
	test_ipv4_lengths();
	test_ipv6();
	test_ipv6_lengths();
	test_version();
	test_new_connection();
	test_truncation();
	test_fuzz();
	return T_DONE();
}
