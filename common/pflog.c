/*
 * The pflog header and the other link layers of a savefile, decoded.
 *
 * No system header describes the pflog header here: its fields are read by
 * byte offset, the same on every system.  The offsets common to OpenBSD and
 * FreeBSD are: length 0, af 1, action 2, reason 3, ifname 4 (16 bytes),
 * ruleset 20, rulenr 36, subrulenr 40, then either dir 44 (the short
 * header of old releases, length 45) or uid 44, pid 48, rule_uid 52,
 * rule_pid 56 and dir 60 (every header of 61 bytes or more).
 */
#include <string.h>

#include "pflog.h"

#define PFLOG_OFF_LENGTH	0
#define PFLOG_OFF_AF		1
#define PFLOG_OFF_ACTION	2
#define PFLOG_OFF_REASON	3
#define PFLOG_OFF_IFNAME	4
#define PFLOG_IFNAMSIZ		16
#define PFLOG_OFF_DIR_OLD	44
#define PFLOG_OFF_DIR		60

#define AFNUM_INET		2
#define AFNUM_INET6_LINUX	10
#define AFNUM_INET6_OPENBSD	24
#define AFNUM_INET6_FREEBSD	28
#define AFNUM_INET6_DARWIN	30

#define ETHER_HLEN		14
#define ETHERTYPE_IPV4		0x0800
#define ETHERTYPE_IPV6		0x86dd
#define ETHERTYPE_VLAN		0x8100
#define ETHERTYPE_QINQ		0x88a8
#define VLAN_TAGLEN		4
#define SLL_HLEN		16
#define SLL_OFF_PROTO		14
#define SLL2_HLEN		20
#define SLL2_OFF_PROTO		0
#define NULL_HLEN		4

int
pflog_parse(const void *buf, size_t caplen, struct pflog_info *info)
{
	const uint8_t *p = buf;
	size_t len, off;

	memset(info, 0, sizeof(*info));
	if (caplen < PFLOG_MIN_HDRLEN)
		return -1;
	len = p[PFLOG_OFF_LENGTH];
	off = (len + 3) & ~(size_t)3;
	if (len < PFLOG_MIN_HDRLEN || off > caplen)
		return -1;
	info->hdrlen = (uint8_t)len;
	info->af = p[PFLOG_OFF_AF];
	info->action = p[PFLOG_OFF_ACTION];
	info->reason = p[PFLOG_OFF_REASON];
	memcpy(info->ifname, p + PFLOG_OFF_IFNAME, PFLOG_IFNAMSIZ);
	info->ifname[PFLOG_IFNAMSIZ] = '\0';
	info->dir = len > PFLOG_OFF_DIR ? p[PFLOG_OFF_DIR] :
	    p[PFLOG_OFF_DIR_OLD];
	return (int)off;
}

int
pflog_af_version(uint8_t af)
{
	switch (af) {
	case AFNUM_INET:
		return 4;
	case AFNUM_INET6_LINUX:
	case AFNUM_INET6_OPENBSD:
	case AFNUM_INET6_FREEBSD:
	case AFNUM_INET6_DARWIN:
		return 6;
	default:
		return 0;
	}
}

/* The IP packet inside a frame of the given ethertype. */
static enum pkt_result
decode_ethertype(unsigned type, const uint8_t *p, size_t len,
    struct pkt_info *pkt)
{
	enum pkt_result res;

	if (type != ETHERTYPE_IPV4 && type != ETHERTYPE_IPV6) {
		memset(pkt, 0, sizeof(*pkt));
		return PKT_NOT_TCP;
	}
	res = pkt_parse_ip(p, len, pkt);
	if (res != PKT_MALFORMED &&
	    pkt->ip_version != (type == ETHERTYPE_IPV4 ? 4 : 6))
		return PKT_MALFORMED;
	return res;
}

static enum pkt_result
decode_ether(const uint8_t *p, size_t len, struct pkt_info *pkt)
{
	size_t off = ETHER_HLEN;
	unsigned type;

	memset(pkt, 0, sizeof(*pkt));
	if (len < ETHER_HLEN)
		return PKT_MALFORMED;
	type = pkt_get16(p + 12);
	if (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ) {
		if (len < ETHER_HLEN + VLAN_TAGLEN)
			return PKT_MALFORMED;
		type = pkt_get16(p + 16);
		off += VLAN_TAGLEN;
	}
	return decode_ethertype(type, p + off, len - off, pkt);
}

static enum pkt_result
decode_pflog(const uint8_t *p, size_t len, struct pflog_info *pfl,
    struct pkt_info *pkt)
{
	enum pkt_result res;
	int off, version;

	memset(pkt, 0, sizeof(*pkt));
	if ((off = pflog_parse(p, len, pfl)) == -1)
		return PKT_MALFORMED;
	res = pkt_parse_ip(p + off, len - (size_t)off, pkt);
	version = pflog_af_version(pfl->af);
	if (res != PKT_MALFORMED && version != 0 && version != pkt->ip_version)
		return PKT_MALFORMED;
	return res;
}

enum pkt_result
link_decode(enum link_type link, const void *buf, size_t len,
    struct pflog_info *pfl, struct pkt_info *pkt)
{
	const uint8_t *p = buf;
	enum pkt_result res;

	if (link == LINK_PFLOG)
		return decode_pflog(p, len, pfl, pkt);
	memset(pfl, 0, sizeof(*pfl));
	memset(pkt, 0, sizeof(*pkt));
	switch (link) {
	case LINK_ETHER:
		return decode_ether(p, len, pkt);
	case LINK_SLL:
		if (len < SLL_HLEN)
			return PKT_MALFORMED;
		return decode_ethertype(pkt_get16(p + SLL_OFF_PROTO),
		    p + SLL_HLEN, len - SLL_HLEN, pkt);
	case LINK_SLL2:
		if (len < SLL2_HLEN)
			return PKT_MALFORMED;
		return decode_ethertype(pkt_get16(p + SLL2_OFF_PROTO),
		    p + SLL2_HLEN, len - SLL2_HLEN, pkt);
	case LINK_NULL:
		/* The family is in the capturing host's byte order: skip it. */
		if (len < NULL_HLEN)
			return PKT_MALFORMED;
		return pkt_parse_ip(p + NULL_HLEN, len - NULL_HLEN, pkt);
	case LINK_RAW:
		return pkt_parse_ip(p, len, pkt);
	case LINK_IPV4:
	case LINK_IPV6:
		res = pkt_parse_ip(p, len, pkt);
		if (res != PKT_MALFORMED &&
		    pkt->ip_version != (link == LINK_IPV4 ? 4 : 6))
			return PKT_MALFORMED;
		return res;
	case LINK_PFLOG:
		break;
	}
	return PKT_MALFORMED;
}
