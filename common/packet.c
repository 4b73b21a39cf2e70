/*
 * IPv4, IPv6 and TCP header parsing.  Only the layouts of RFC 791, RFC 8200
 * and RFC 9293 are assumed; no system header structures are used, so the
 * same code reads packets captured on any system.
 */
#include <string.h>

#include "packet.h"

#define IPV4_MIN_HLEN	20
#define IPV6_HLEN	40
#define TCP_MIN_HLEN	20
#define IPPROTO_NUM_TCP		6
#define IPV6_EXT_HOPOPTS	0
#define IPV6_EXT_ROUTING	43
#define IPV6_EXT_FRAGMENT	44
#define IPV6_EXT_AH		51
#define IPV6_EXT_DSTOPTS	60


static enum pkt_result
parse_tcp(const uint8_t *seg, size_t len, struct pkt_info *info)
{
	if (len < TCP_MIN_HLEN)
		return PKT_MALFORMED;
	if ((seg[12] >> 4) * 4 < TCP_MIN_HLEN)
		return PKT_MALFORMED;
	info->sport = pkt_get16(seg);
	info->dport = pkt_get16(seg + 2);
	info->tcp_flags = seg[13];
	return PKT_TCP;
}

static enum pkt_result
parse_ipv4(const uint8_t *pkt, size_t len, struct pkt_info *info)
{
	size_t hlen, total;

	if (len < IPV4_MIN_HLEN)
		return PKT_MALFORMED;
	hlen = (size_t)(pkt[0] & 0x0f) * 4;
	total = pkt_get16(pkt + 2);
	if (hlen < IPV4_MIN_HLEN || hlen > len || total < hlen)
		return PKT_MALFORMED;
	/* A capture may be cut short, or padded by the link layer. */
	if (total < len)
		len = total;
	info->ip_version = 4;
	addr_from_v4(&info->src, pkt + 12);
	addr_from_v4(&info->dst, pkt + 16);
	if ((pkt_get16(pkt + 6) & 0x1fff) != 0)
		return PKT_FRAGMENT;
	if (pkt[9] != IPPROTO_NUM_TCP)
		return PKT_NOT_TCP;
	return parse_tcp(pkt + hlen, len - hlen, info);
}

/*
 * Walk the extension header chain.  Every header is at least 8 bytes long,
 * so the walk ends within len / 8 steps whatever the packet claims.
 */
static enum pkt_result
parse_ipv6(const uint8_t *pkt, size_t len, struct pkt_info *info)
{
	size_t off, payload, extlen;
	uint8_t next;

	if (len < IPV6_HLEN)
		return PKT_MALFORMED;
	payload = pkt_get16(pkt + 4);
	/* Payload length 0 means a jumbogram: keep the captured length. */
	if (payload != 0 && IPV6_HLEN + payload < len)
		len = IPV6_HLEN + payload;
	info->ip_version = 6;
	addr_from_v6(&info->src, pkt + 8);
	addr_from_v6(&info->dst, pkt + 24);
	next = pkt[6];
	off = IPV6_HLEN;
	for (;;) {
		switch (next) {
		case IPPROTO_NUM_TCP:
			return parse_tcp(pkt + off, len - off, info);
		case IPV6_EXT_HOPOPTS:
		case IPV6_EXT_ROUTING:
		case IPV6_EXT_DSTOPTS:
			if (len - off < 8)
				return PKT_MALFORMED;
			extlen = ((size_t)pkt[off + 1] + 1) * 8;
			break;
		case IPV6_EXT_AH:
			if (len - off < 8)
				return PKT_MALFORMED;
			extlen = ((size_t)pkt[off + 1] + 2) * 4;
			break;
		case IPV6_EXT_FRAGMENT:
			if (len - off < 8)
				return PKT_MALFORMED;
			if ((pkt_get16(pkt + off + 2) & 0xfff8) != 0)
				return PKT_FRAGMENT;
			extlen = 8;
			break;
		default:
			/* No next header (59), ESP, UDP, ICMPv6, ... */
			return PKT_NOT_TCP;
		}
		if (extlen > len - off)
			return PKT_MALFORMED;
		next = pkt[off];
		off += extlen;
	}
}

enum pkt_result
pkt_parse_ip(const void *buf, size_t len, struct pkt_info *info)
{
	const uint8_t *pkt = buf;

	memset(info, 0, sizeof(*info));
	if (len < 1)
		return PKT_MALFORMED;
	switch (pkt[0] >> 4) {
	case 4:
		return parse_ipv4(pkt, len, info);
	case 6:
		return parse_ipv6(pkt, len, info);
	default:
		return PKT_MALFORMED;
	}
}

/* A connection attempt: SYN set, and neither ACK nor RST. */
int
pkt_is_new_connection(const struct pkt_info *info)
{
	return (info->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST))
	    == TCP_FLAG_SYN;
}
