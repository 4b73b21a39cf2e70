/*
 * pflogen: write a pcap savefile for a named scenario, as pflog logged it
 * on OpenBSD or FreeBSD, or as a plain capture (Ethernet, VLAN, Linux
 * cooked, raw IP, BSD loopback), for the replay tests and the benchmark.
 *
 * usage: pflogen [-x] [-l layout] [-D linktype] [-n packets]
 *            [-s sources] [-o file] scenario
 *
 * -x damages every packet (random bytes, random capture cuts) but not the
 * file's structure, to check that no packet can crash the replay.
 *
 * The savefile format is written directly: a global header, then a record
 * header and the bytes of each packet, in this host's byte order (readers
 * tell the order from the magic number).  No libpcap is needed.
 *
 * Every scenario starts at T0 (1700000000) and uses these addresses:
 * fake MX 192.0.2.10 and 2001:db8::10, real MX 192.0.2.20 and
 * 2001:db8::20, senders in 198.51.100.0/24 and 2001:db8:1::/64, and in the
 * benchmark 10.0.0.0/8 and 2001:db8:2::/64.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T0		1700000000LL
#define MS		1000LL
#define SEC		1000000LL

#define FAKE4		"192.0.2.10"
#define REAL4		"192.0.2.20"
#define FAKE6		"2001:db8::10"
#define REAL6		"2001:db8::20"

#define PROTO_TCP	6
#define PROTO_UDP	17

#define F_FIN		0x01
#define F_SYN		0x02
#define F_RST		0x04
#define F_ACK		0x10

#define PF_PASS		0
#define PF_DROP		1
#define PF_IN		1
#define PF_OUT		2

/* Special forms of a packet. */
#define SP_PFLOG_ONLY	0x001	/* only where pflog can carry it */
#define SP_IPOPT	0x002	/* IPv4 with a router alert option */
#define SP_IPV6EXT	0x004	/* hop-by-hop and destination options */
#define SP_IPV6FRAG	0x008	/* a non-first IPv6 fragment */
#define SP_TRUNC	0x010	/* capture cut inside the TCP header */
#define SP_SHORTHDR	0x020	/* pflog length byte 40 */
#define SP_HDRCUT	0x040	/* capture cut inside the pflog header */
#define SP_AFWRONG	0x080	/* pflog af IPv4, packet IPv6 */

#define LINKTYPE_NULL	0
#define LINKTYPE_ETHER	1
#define LINKTYPE_RAW	101
#define LINKTYPE_SLL	113
#define LINKTYPE_PFLOG	117

struct event {
	int64_t		 usec;		/* after T0 */
	const char	*src;
	const char	*dst;
	uint16_t	 sport;
	uint16_t	 dport;
	uint8_t		 proto;
	uint8_t		 flags;
	uint8_t		 dir;
	uint8_t		 action;
	unsigned	 special;
};

/* One packet ready to build: addresses in binary. */
struct packet {
	int64_t		 usec;
	int		 v6;
	uint8_t		 src[16];
	uint8_t		 dst[16];
	uint16_t	 sport;
	uint16_t	 dport;
	uint8_t		 proto;
	uint8_t		 flags;
	uint8_t		 dir;
	uint8_t		 action;
	unsigned	 special;
	uint32_t	 seq;
};

enum layout {
	L_OPENBSD, L_FREEBSD, L_ETHER, L_VLAN, L_SLL, L_RAW, L_NULL
};

static const struct {
	const char	*name;
	enum layout	 layout;
	unsigned	 linktype;
} layouts[] = {
	{ "openbsd",	L_OPENBSD,	LINKTYPE_PFLOG },
	{ "freebsd",	L_FREEBSD,	LINKTYPE_PFLOG },
	{ "ether",	L_ETHER,	LINKTYPE_ETHER },
	{ "vlan",	L_VLAN,		LINKTYPE_ETHER },
	{ "sll",	L_SLL,		LINKTYPE_SLL },
	{ "raw",	L_RAW,		LINKTYPE_RAW },
	{ "null",	L_NULL,		LINKTYPE_NULL },
};

#define S1	"198.51.100.1"
#define S2	"198.51.100.2"
#define S3	"198.51.100.3"
#define S4	"198.51.100.4"
#define V1	"2001:db8:1::1"
#define V2	"2001:db8:1::2"
#define V7	"2001:db8:1::7"

#define SYN_IN(t, s, d, act)	{ t, s, d, 40001, 25, PROTO_TCP, F_SYN, \
				    PF_IN, act, 0 }

/* A sender tries the fake MX, is refused, and moves on to the real one. */
static const struct event fake_real4[] = {
	SYN_IN(0, S1, FAKE4, PF_PASS),
	{ 500, FAKE4, S1, 25, 40001, PROTO_TCP, F_RST | F_ACK, PF_OUT,
	    PF_PASS, 0 },
	SYN_IN(1500, S1, REAL4, PF_PASS),
	{ 1600, REAL4, S1, 25, 40001, PROTO_TCP, F_SYN | F_ACK, PF_OUT,
	    PF_PASS, 0 },
	{ 2000, S1, REAL4, 40001, 25, PROTO_TCP, F_ACK, PF_IN, PF_PASS, 0 },
	SYN_IN(30 * SEC, S1, FAKE4, PF_PASS),
};

/*
 * Reverse-DNS siblings (tests/integration/rdns.sh serves the names):
 * .10 tries the fake MX; 2 s later its sibling .11 goes to the real MX,
 * which pf passed (mxallowd had put it in the table); .12, a stranger,
 * is blocked.  At 20 s .10 tries the fake MX again (with a short
 * whitelist-time, after everything expired: the answer comes from the
 * resolver's cache), and .11 goes to the real MX at 21 s.
 */
static const struct event siblings[] = {
	SYN_IN(0, "198.51.100.10", FAKE4, PF_PASS),
	SYN_IN(2 * SEC, "198.51.100.11", REAL4, PF_PASS),
	SYN_IN(3 * SEC, "198.51.100.12", REAL4, PF_DROP),
	SYN_IN(20 * SEC, "198.51.100.10", FAKE4, PF_PASS),
	SYN_IN(21 * SEC, "198.51.100.11", REAL4, PF_PASS),
};

static const struct event fake_real6[] = {
	SYN_IN(0, V1, FAKE6, PF_PASS),
	{ 500, FAKE6, V1, 25, 40001, PROTO_TCP, F_RST | F_ACK, PF_OUT,
	    PF_PASS, 0 },
	SYN_IN(1500, V1, REAL6, PF_PASS),
	{ 1600, REAL6, V1, 25, 40001, PROTO_TCP, F_SYN | F_ACK, PF_OUT,
	    PF_PASS, 0 },
	{ 2000, V1, REAL6, 40001, 25, PROTO_TCP, F_ACK, PF_IN, PF_PASS, 0 },
	SYN_IN(30 * SEC, V1, FAKE6, PF_PASS),
};

/* Spam software that goes straight to the second MX, and retries. */
static const struct event direct[] = {
	SYN_IN(0, S2, REAL4, PF_DROP),
	SYN_IN(3 * SEC, S2, REAL4, PF_DROP),
	SYN_IN(9 * SEC, S2, REAL4, PF_DROP),
	SYN_IN(20 * SEC, S3, REAL4, PF_DROP),
	SYN_IN(25 * SEC, V2, REAL6, PF_DROP),
};

/* The first real SYN beats the table add; the retransmission passes. */
static const struct event race[] = {
	SYN_IN(0, S1, FAKE4, PF_PASS),
	SYN_IN(1 * MS, S1, REAL4, PF_DROP),
	SYN_IN(1 * SEC + 1 * MS, S1, REAL4, PF_PASS),
};

/* Whitelisted, used, expired (with -t 60), then blocked. */
static const struct event expiry[] = {
	SYN_IN(0, S1, FAKE4, PF_PASS),
	SYN_IN(5 * SEC, S1, REAL4, PF_PASS),
	SYN_IN(70 * SEC, S2, FAKE4, PF_PASS),
	SYN_IN(75 * SEC, S1, REAL4, PF_DROP),
};

/* Packets that must not whitelist, pass or block anybody, and two that
 * must be understood despite options and extension headers. */
static const struct event noise[] = {
	{ 0, S1, REAL4, 40001, 25, PROTO_TCP, F_SYN | F_ACK, PF_IN, PF_PASS,
	    0 },
	{ 100 * MS, S1, REAL4, 40001, 25, PROTO_TCP, F_ACK, PF_IN, PF_PASS,
	    0 },
	{ 200 * MS, S1, REAL4, 40002, 80, PROTO_TCP, F_SYN, PF_IN, PF_DROP,
	    0 },
	{ 300 * MS, S1, FAKE4, 40003, 443, PROTO_TCP, F_SYN, PF_IN, PF_PASS,
	    0 },
	{ 400 * MS, REAL4, S2, 40004, 25, PROTO_TCP, F_SYN, PF_OUT, PF_PASS,
	    0 },
	{ 500 * MS, S1, FAKE4, 40005, 25, PROTO_TCP, F_SYN, PF_OUT, PF_PASS,
	    SP_PFLOG_ONLY },
	{ 600 * MS, S3, FAKE4, 40006, 25, PROTO_TCP, F_SYN, PF_IN, PF_PASS,
	    SP_TRUNC },
	{ 700 * MS, S3, FAKE4, 40007, 25, PROTO_TCP, F_SYN, PF_IN, PF_PASS,
	    SP_PFLOG_ONLY | SP_SHORTHDR },
	{ 800 * MS, S3, FAKE4, 40008, 25, PROTO_TCP, F_SYN, PF_IN, PF_PASS,
	    SP_PFLOG_ONLY | SP_HDRCUT },
	{ 900 * MS, S1, REAL4, 40009, 25, PROTO_UDP, 0, PF_IN, PF_DROP, 0 },
	{ 1000 * MS, V2, FAKE6, 40010, 25, PROTO_TCP, F_SYN, PF_IN, PF_PASS,
	    SP_PFLOG_ONLY | SP_AFWRONG },
	{ 1100 * MS, V2, REAL6, 40011, 25, PROTO_TCP, F_SYN, PF_IN, PF_DROP,
	    SP_IPV6FRAG },
	{ 1200 * MS, S4, FAKE4, 40012, 25, PROTO_TCP, F_SYN, PF_IN, PF_PASS,
	    SP_IPOPT },
	{ 1300 * MS, V7, FAKE6, 40013, 25, PROTO_TCP, F_SYN, PF_IN, PF_PASS,
	    SP_IPV6EXT },
};

#define SCENARIO(name, ev, what) \
	{ name, ev, sizeof(ev) / sizeof(ev[0]), what }

static const struct {
	const char		*name;
	const struct event	*events;
	size_t			 count;
	const char		*what;
} scenarios[] = {
	SCENARIO("fake-real4", fake_real4,
	    "IPv4 sender: fake MX, real MX, fake MX again"),
	SCENARIO("fake-real6", fake_real6,
	    "IPv6 sender: fake MX, real MX, fake MX again"),
	SCENARIO("direct", direct, "senders straight to the real MX"),
	SCENARIO("race", race, "real SYN dropped before the table add"),
	SCENARIO("expiry", expiry, "whitelisted, expired, blocked"),
	SCENARIO("noise", noise, "packets to ignore, and options"),
	SCENARIO("siblings", siblings, "a sender, then its rDNS sibling"),
};

static FILE		*out;
static enum layout	 layout;
static bool		 damage;
static uint64_t		 damage_state = 0x9e3779b97f4a7c15ULL;
static uint8_t		 frame[512];

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* TCP or UDP header (and a little UDP payload) with its checksum. */
static size_t
transport(uint8_t *p, const struct packet *pk)
{
	uint32_t sum;
	size_t len;

	if (pk->proto == PROTO_TCP) {
		len = 20;
		memset(p, 0, len);
		put16(p, pk->sport);
		put16(p + 2, pk->dport);
		put32(p + 4, pk->seq);
		if (pk->flags & F_ACK)
			put32(p + 8, 0x10000001);
		p[12] = 5 << 4;
		p[13] = pk->flags;
		put16(p + 14, 65535);
	} else {
		len = 12;
		memset(p, 0, len);
		put16(p, pk->sport);
		put16(p + 2, pk->dport);
		put16(p + 4, (unsigned)len);
		memcpy(p + 8, "helo", 4);
	}
	/* The pseudo-header: addresses, protocol, length. */
	sum = sum16(pk->src, pk->v6 ? 16 : 4, 0);
	sum = sum16(pk->dst, pk->v6 ? 16 : 4, sum);
	sum += pk->proto + (uint32_t)len;
	sum = sum16(p, len, sum);
	put16(p + (pk->proto == PROTO_TCP ? 16 : 6), fold(sum));
	return len;
}

static size_t
ipv4(uint8_t *p, const struct packet *pk)
{
	size_t hlen = (pk->special & SP_IPOPT) ? 24 : 20, len;

	memset(p, 0, hlen);
	len = transport(p + hlen, pk);
	p[0] = (uint8_t)(0x40 | hlen / 4);
	put16(p + 2, (unsigned)(hlen + len));
	put16(p + 4, (unsigned)(pk->seq & 0xffff));
	p[6] = 0x40;				/* don't fragment */
	p[8] = 56;
	p[9] = pk->proto;
	memcpy(p + 12, pk->src, 4);
	memcpy(p + 16, pk->dst, 4);
	if (pk->special & SP_IPOPT) {
		p[20] = 0x94;			/* router alert */
		p[21] = 4;
	}
	put16(p + 10, fold(sum16(p, hlen, 0)));
	return hlen + len;
}

static size_t
ipv6(uint8_t *p, const struct packet *pk)
{
	size_t off = 40, len;
	uint8_t *next = p + 6;

	memset(p, 0, 40);
	p[0] = 0x60;
	p[7] = 56;
	memcpy(p + 8, pk->src, 16);
	memcpy(p + 24, pk->dst, 16);
	if (pk->special & SP_IPV6EXT) {
		/* Hop-by-hop, then destination options, each padded. */
		*next = 0;
		memset(p + off, 0, 16);
		p[off] = 60;
		p[off + 2] = 1;			/* PadN, 4 bytes */
		p[off + 3] = 4;
		next = p + off + 8;
		p[off + 10] = 1;
		p[off + 11] = 4;
		off += 16;
	}
	if (pk->special & SP_IPV6FRAG) {
		*next = 44;
		memset(p + off, 0, 8);
		p[off] = pk->proto;
		put16(p + off + 2, 185 << 3);	/* offset 1480, last */
		put32(p + off + 4, pk->seq);
		off += 8;
		memset(p + off, 0xab, 24);
		len = 24;
	} else {
		*next = pk->proto;
		len = transport(p + off, pk);
	}
	put16(p + 4, (unsigned)(off - 40 + len));
	return off + len;
}

static size_t
ip(uint8_t *p, const struct packet *pk)
{
	return pk->v6 ? ipv6(p, pk) : ipv4(p, pk);
}

/* The pflog header of either system; returns the bytes it occupies. */
static size_t
pflog_header(uint8_t *p, const struct packet *pk)
{
	size_t hlen = layout == L_OPENBSD ? 100 : 72;
	uint8_t af;

	memset(p, 0, hlen);
	p[0] = layout == L_OPENBSD ? 100 : 69;
	if (pk->special & SP_SHORTHDR)
		p[0] = 40;
	af = pk->v6 ? (layout == L_OPENBSD ? 24 : 28) : 2;
	if (pk->special & SP_AFWRONG)
		af = 2;
	p[1] = af;
	p[2] = pk->action;
	p[3] = 0;				/* reason: match */
	memcpy(p + 4, "em0", 3);
	put32(p + 36, 3);			/* rule number */
	put32(p + 40, UINT32_MAX);		/* no subrule */
	put32(p + 48, UINT32_MAX);		/* pid: none */
	put32(p + 56, UINT32_MAX);		/* rule pid: none */
	p[60] = pk->dir;
	return hlen;
}

static const uint8_t mac_in[6] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t mac_out[6] = { 2, 0, 0, 0, 0, 2 };

static size_t
link_header(uint8_t *p, const struct packet *pk)
{
	unsigned type = pk->v6 ? 0x86dd : 0x0800;
	bool in = pk->dir != PF_OUT;

	switch (layout) {
	case L_OPENBSD:
	case L_FREEBSD:
		return pflog_header(p, pk);
	case L_ETHER:
	case L_VLAN:
		memcpy(p, in ? mac_out : mac_in, 6);
		memcpy(p + 6, in ? mac_in : mac_out, 6);
		if (layout == L_ETHER) {
			put16(p + 12, type);
			return 14;
		}
		put16(p + 12, 0x8100);
		put16(p + 14, 25);		/* VLAN 25 */
		put16(p + 16, type);
		return 18;
	case L_SLL:
		memset(p, 0, 16);
		put16(p, in ? 0 : 4);		/* to us, or sent by us */
		put16(p + 2, 1);		/* ARPHRD_ETHER */
		put16(p + 4, 6);
		memcpy(p + 6, in ? mac_in : mac_out, 6);
		put16(p + 14, type);
		return 16;
	case L_NULL:
		/* The family in the writer's byte order, as BSDs write it. */
		p[0] = pk->v6 ? 24 : 2;
		p[1] = p[2] = p[3] = 0;
		return 4;
	case L_RAW:
		break;
	}
	return 0;
}

static void
write_u32(uint32_t v)
{
	if (fwrite(&v, sizeof(v), 1, out) != 1)
		err(1, "write");
}

static void
write_file_header(unsigned linktype)
{
	uint16_t version[2] = { 2, 4 };

	write_u32(0xa1b2c3d4);
	if (fwrite(version, sizeof(version), 1, out) != 1)
		err(1, "write");
	write_u32(0);				/* thiszone */
	write_u32(0);				/* sigfigs */
	write_u32(65535);			/* snaplen */
	write_u32(linktype);
}

static uint32_t
damage_random(void)
{
	damage_state = damage_state * 6364136223846793005ULL +
	    1442695040888963407ULL;
	return (uint32_t)(damage_state >> 33);
}

/*
 * -x: overwrite one to four bytes of the packet with random values, and
 * sometimes cut the capture short, leaving the record headers intact.
 */
static void
damage_packet(size_t *caplen)
{
	uint32_t i, count = 1 + damage_random() % 4;

	for (i = 0; i < count; i++)
		frame[damage_random() % *caplen] = (uint8_t)damage_random();
	if (damage_random() % 8 == 0)
		*caplen = damage_random() % (*caplen + 1);
}

static void
write_packet(const struct packet *pk)
{
	size_t len, caplen;
	int64_t t = T0 * SEC + pk->usec;

	len = link_header(frame, pk);
	len += ip(frame + len, pk);
	caplen = len;
	if (pk->special & SP_TRUNC)
		caplen = len - 10;
	if (pk->special & SP_HDRCUT)
		caplen = 50;
	if (damage)
		damage_packet(&caplen);
	write_u32((uint32_t)(t / SEC));
	write_u32((uint32_t)(t % SEC));
	write_u32((uint32_t)caplen);
	write_u32((uint32_t)len);
	if (caplen > 0 && fwrite(frame, caplen, 1, out) != 1)
		err(1, "write");
}

static void
parse_address(const char *text, struct packet *pk, uint8_t *to)
{
	if (inet_pton(AF_INET, text, to) == 1)
		pk->v6 = 0;
	else if (inet_pton(AF_INET6, text, to) == 1)
		pk->v6 = 1;
	else
		errx(1, "bad address %s in a scenario", text);
}

static void
write_scenario(const struct event *ev, size_t count)
{
	struct packet pk;
	size_t i;

	for (i = 0; i < count; i++) {
		if ((ev[i].special & SP_PFLOG_ONLY) && layout != L_OPENBSD &&
		    layout != L_FREEBSD)
			continue;
		memset(&pk, 0, sizeof(pk));
		pk.usec = ev[i].usec;
		parse_address(ev[i].src, &pk, pk.src);
		parse_address(ev[i].dst, &pk, pk.dst);
		pk.sport = ev[i].sport;
		pk.dport = ev[i].dport;
		pk.proto = ev[i].proto;
		pk.flags = ev[i].flags;
		pk.dir = ev[i].dir;
		pk.action = ev[i].action;
		pk.special = ev[i].special;
		pk.seq = 0x1000 + (uint32_t)i;
		write_packet(&pk);
	}
}

/*
 * The benchmark: packets one millisecond apart from `sources` senders.
 * One in ten packets is an ACK of an established connection; one sender
 * in ten only ever tries the real MX (pf drops it); the others hit the
 * fake MX once, then go to the real MX (pf passes them).  One sender in
 * four is IPv6.
 */
static void
write_bench(uint64_t packets, uint32_t sources)
{
	struct packet pk;
	uint8_t *seen, real4[4], real6[16], fake4[4], fake6[16];
	uint64_t i, x = 0x2545f4914f6cdd1dULL;
	uint32_t k;

	if ((seen = calloc(sources, 1)) == NULL)
		err(1, NULL);
	inet_pton(AF_INET, REAL4, real4);
	inet_pton(AF_INET, FAKE4, fake4);
	inet_pton(AF_INET6, REAL6, real6);
	inet_pton(AF_INET6, FAKE6, fake6);
	for (i = 0; i < packets; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		k = (uint32_t)((x >> 33) % sources);
		memset(&pk, 0, sizeof(pk));
		pk.usec = (int64_t)i * MS;
		pk.v6 = k % 4 == 3;
		if (pk.v6) {
			inet_pton(AF_INET6, "2001:db8:2::", pk.src);
			put32(pk.src + 12, k);
		} else {
			pk.src[0] = 10;
			pk.src[1] = (uint8_t)(k >> 16);
			pk.src[2] = (uint8_t)(k >> 8);
			pk.src[3] = (uint8_t)k;
		}
		pk.sport = (uint16_t)(1024 + (x >> 17) % 60000);
		pk.dport = 25;
		pk.proto = PROTO_TCP;
		pk.dir = PF_IN;
		pk.seq = (uint32_t)(x >> 7);
		pk.flags = F_SYN;
		pk.action = PF_PASS;
		memcpy(pk.dst, pk.v6 ? real6 : real4, pk.v6 ? 16 : 4);
		if ((x >> 24) % 10 == 0)
			pk.flags = F_ACK;
		else if (k % 10 == 0)
			pk.action = PF_DROP;
		else if (!seen[k]) {
			seen[k] = 1;
			memcpy(pk.dst, pk.v6 ? fake6 : fake4, pk.v6 ? 16 : 4);
		}
		write_packet(&pk);
	}
	free(seen);
}

static void __attribute__((noreturn))
usage(void)
{
	size_t i;

	fprintf(stderr, "usage: pflogen [-x] [-l layout] [-D linktype] "
	    "[-n packets] [-s sources] [-o file] scenario\nlayouts:");
	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		fprintf(stderr, " %s", layouts[i].name);
	fprintf(stderr, "\nscenarios:\n");
	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		fprintf(stderr, "  %-12s %s\n", scenarios[i].name,
		    scenarios[i].what);
	fprintf(stderr, "  %-12s %s\n", "bench",
	    "-n packets (1000000) from -s senders (100000)");
	exit(2);
}

static unsigned long long
number(const char *s, unsigned long long max)
{
	char *end;
	unsigned long long v;

	v = strtoull(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v > max)
		errx(2, "bad number %s", s);
	return v;
}

static const struct event *
find_scenario(const char *name, size_t *count)
{
	size_t i;

	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		if (strcmp(name, scenarios[i].name) == 0) {
			*count = scenarios[i].count;
			return scenarios[i].events;
		}
	}
	return NULL;
}

int
main(int argc, char *argv[])
{
	const struct event *events = NULL;
	const char *path = NULL;
	unsigned long long packets = 1000000, sources = 100000;
	long long linktype = -1;
	size_t nl = sizeof(layouts) / sizeof(layouts[0]), li = 0, count = 0;
	bool bench;
	int ch;

	while ((ch = getopt(argc, argv, "D:l:n:o:s:x")) != -1) {
		switch (ch) {
		case 'D':
			linktype = (long long)number(optarg, UINT32_MAX);
			break;
		case 'l':
			for (li = 0; li < nl; li++)
				if (strcmp(optarg, layouts[li].name) == 0)
					break;
			if (li == nl)
				usage();
			break;
		case 'n':
			packets = number(optarg, UINT64_MAX);
			break;
		case 'o':
			path = optarg;
			break;
		case 's':
			sources = number(optarg, 1U << 24);
			break;
		case 'x':
			damage = true;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1 || sources == 0)
		usage();
	bench = strcmp(argv[optind], "bench") == 0;
	if (!bench && (events = find_scenario(argv[optind], &count)) == NULL)
		usage();
	layout = layouts[li].layout;
	if (linktype == -1)
		linktype = layouts[li].linktype;
	if (path == NULL || strcmp(path, "-") == 0)
		out = stdout;
	else if ((out = fopen(path, "wb")) == NULL)
		err(1, "%s", path);
	write_file_header((unsigned)linktype);
	if (bench)
		write_bench(packets, (uint32_t)sources);
	else
		write_scenario(events, count);
	if (fclose(out) == EOF)
		err(1, "%s", path != NULL ? path : "stdout");
	return 0;
}
