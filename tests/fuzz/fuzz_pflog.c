/*
 * Fuzz target: pflog_parse(), the pflog header of either layout, and
 * link_decode() over every link type a savefile may hold.
 *
 * The input is one captured frame, decoded as each link type in turn.
 * pflog_parse() must report the header's bytes as they are and an offset
 * inside the capture; link_decode() must give what pkt_parse_ip() gives
 * for the IP packet at the link layer's offset, except that a link layer
 * (pflog af, ethertype, or the link type itself) that contradicts the IP
 * version makes the packet malformed, as pflog.h documents.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "packet.h"
#include "pflog.h"
#include "fuzz.h"

static const enum link_type links[] = {
	LINK_PFLOG, LINK_ETHER, LINK_SLL, LINK_SLL2, LINK_NULL, LINK_RAW,
	LINK_IPV4, LINK_IPV6
};

static size_t
get16(const uint8_t *p)
{
	return (size_t)p[0] << 8 | p[1];
}

static void
check_pflog_parse(const uint8_t *p, size_t len, int off,
    const struct pflog_info *pfl)
{
	size_t n;

	if (off == -1) {
		REQUIRE(zeroed(pfl, sizeof(*pfl)));
		return;
	}
	REQUIRE(off >= 48 && off % 4 == 0 && (size_t)off <= len);
	REQUIRE(pfl->hdrlen == p[0] && pfl->hdrlen >= PFLOG_MIN_HDRLEN &&
	    off - pfl->hdrlen < 4);
	REQUIRE(pfl->af == p[1] && pfl->action == p[2] &&
	    pfl->reason == p[3]);
	n = strnlen(pfl->ifname, sizeof(pfl->ifname));
	REQUIRE(n <= 16 && memcmp(pfl->ifname, p + 4, n) == 0);
	REQUIRE(n == 16 || p[4 + n] == '\0');
	REQUIRE(pfl->dir == p[pfl->hdrlen > 60 ? 60 : 44]);
}

/*
 * Where the IP header starts for a link type, and the IP version the link
 * layer demands (0: any); not_ip is set if it carries something other
 * than IP.  Returns false if the link layer is not all captured.
 */
static bool
link_layer(enum link_type link, const uint8_t *p, size_t len, int pflog_off,
    size_t *off, int *version, int *not_ip)
{
	size_t type = 0;

	*version = 0;
	*not_ip = 0;
	switch (link) {
	case LINK_PFLOG:
		if (pflog_off == -1)
			return false;
		*off = (size_t)pflog_off;
		*version = pflog_af_version(p[1]);
		return true;
	case LINK_ETHER:
		if (len < 14)
			return false;
		*off = 14;
		type = get16(p + 12);
		if (type == 0x8100 || type == 0x88a8) {
			if (len < 18)
				return false;
			*off = 18;
			type = get16(p + 16);
		}
		break;
	case LINK_SLL:
		if (len < 16)
			return false;
		*off = 16;
		type = get16(p + 14);
		break;
	case LINK_SLL2:
		if (len < 20)
			return false;
		*off = 20;
		type = get16(p);
		break;
	case LINK_NULL:
		*off = 4;
		return len >= 4;
	case LINK_RAW:
		*off = 0;
		return true;
	case LINK_IPV4:
	case LINK_IPV6:
		*off = 0;
		*version = link == LINK_IPV4 ? 4 : 6;
		return true;
	}
	if (type == 0x0800)
		*version = 4;
	else if (type == 0x86dd)
		*version = 6;
	else
		*not_ip = 1;
	return true;
}

static void
check_link(enum link_type link, const uint8_t *p, size_t len, int pflog_off,
    const struct pflog_info *pfl_want)
{
	struct pflog_info pfl;
	struct pkt_info pkt, ref;
	enum pkt_result res, want;
	size_t off;
	int version, not_ip;

	res = link_decode(link, p, len, &pfl, &pkt);
	REQUIRE(res == PKT_TCP || res == PKT_NOT_TCP || res == PKT_FRAGMENT ||
	    res == PKT_MALFORMED);
	if (link == LINK_PFLOG)
		REQUIRE(memcmp(&pfl, pfl_want, sizeof(pfl)) == 0);
	else
		REQUIRE(zeroed(&pfl, sizeof(pfl)));
	if (res == PKT_TCP || res == PKT_FRAGMENT)
		REQUIRE(pkt.ip_version == 4 || pkt.ip_version == 6);
	if (res == PKT_TCP)
		REQUIRE(pkt_is_new_connection(&pkt) == ((pkt.tcp_flags &
		    (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) ==
		    TCP_FLAG_SYN));

	if (!link_layer(link, p, len, pflog_off, &off, &version, &not_ip)) {
		REQUIRE(res == PKT_MALFORMED);
		return;
	}
	if (not_ip) {
		REQUIRE(res == PKT_NOT_TCP && zeroed(&pkt, sizeof(pkt)));
		return;
	}
	want = pkt_parse_ip(p + off, len - off, &ref);
	if (want != PKT_MALFORMED && version != 0 && version != ref.ip_version)
		want = PKT_MALFORMED;
	REQUIRE(res == want);
	if (res != PKT_MALFORMED)
		REQUIRE(memcmp(&pkt, &ref, sizeof(pkt)) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pflog_info pfl;
	size_t i;
	int off, v;

	off = pflog_parse(data, size, &pfl);
	check_pflog_parse(data, size, off, &pfl);
	v = pflog_af_version(pfl.af);
	REQUIRE(v == 0 || v == 4 || v == 6);
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		check_link(links[i], data, size, off, &pfl);
	return 0;
}
