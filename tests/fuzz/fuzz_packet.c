/*
 * Fuzz target: pkt_parse_ip(), the IPv4, IPv6 and TCP header parser.
 *
 * The input is one captured IP packet.  Whatever it holds, the result is
 * one of the four; what the parser reports must be what the bytes say
 * (version, addresses, and for IPv4 where the TCP header lies); a TCP
 * header must lie wholly inside the packet; and bytes past what the IP
 * header claims (link-layer padding) must change nothing.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "packet.h"
#include "fuzz.h"

#define TCP_HLEN	20

static size_t
get16(const uint8_t *p)
{
	return (size_t)p[0] << 8 | p[1];
}

static bool
same_addr(const struct mx_addr *addr, const uint8_t *p, int version)
{
	struct mx_addr want;

	if (version == 4)
		addr_from_v4(&want, p);
	else
		addr_from_v6(&want, p);
	return addr_equal(addr, &want);
}

/* The TCP header the parser read, found where IPv4 says it is. */
static void
check_tcp4(const uint8_t *p, size_t len, const struct pkt_info *info)
{
	size_t hlen = (size_t)(p[0] & 0x0f) * 4, total = get16(p + 2);

	if (total < len)
		len = total;
	REQUIRE(hlen >= 20 && hlen + TCP_HLEN <= len);
	REQUIRE(p[9] == 6 && (get16(p + 6) & 0x1fff) == 0);
	REQUIRE(info->sport == get16(p + hlen));
	REQUIRE(info->dport == get16(p + hlen + 2));
	REQUIRE(info->tcp_flags == p[hlen + 13]);
	REQUIRE(p[hlen + 12] >> 4 >= 5);
}

/*
 * IPv6 extension headers are 8-byte multiples (AH 4-byte ones), so the TCP
 * header starts at a multiple of 4 after the fixed header and must lie
 * wholly within the payload length; somewhere there, it must say what the
 * parser read.
 */
static void
check_tcp6(const uint8_t *p, size_t len, const struct pkt_info *info)
{
	size_t off, payload = get16(p + 4);

	if (payload != 0 && 40 + payload < len)
		len = 40 + payload;
	for (off = 40; off + TCP_HLEN <= len; off += 4)
		if (info->sport == get16(p + off) &&
		    info->dport == get16(p + off + 2) &&
		    info->tcp_flags == p[off + 13] && p[off + 12] >> 4 >= 5)
			return;
	REQUIRE(!"no TCP header within the packet says what was parsed");
}

/* The length the IP header claims, or 0 if it does not (jumbogram). */
static size_t
claimed_len(const uint8_t *p, size_t len)
{
	if (len >= 20 && p[0] >> 4 == 4)
		return get16(p + 2);
	if (len >= 40 && p[0] >> 4 == 6 && get16(p + 4) != 0)
		return 40 + get16(p + 4);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_info info, again;
	enum pkt_result res, res2;
	uint8_t *padded;
	size_t claimed;
	bool syn;

	res = pkt_parse_ip(data, size, &info);
	REQUIRE(res == PKT_TCP || res == PKT_NOT_TCP || res == PKT_FRAGMENT ||
	    res == PKT_MALFORMED);
	if (res != PKT_MALFORMED) {
		REQUIRE(size >= 1 && info.ip_version == data[0] >> 4);
		if (info.ip_version == 4) {
			REQUIRE(size >= 20);
			REQUIRE(same_addr(&info.src, data + 12, 4));
			REQUIRE(same_addr(&info.dst, data + 16, 4));
			REQUIRE(addr_is_v4(&info.src) && addr_is_v4(&info.dst));
		} else {
			REQUIRE(info.ip_version == 6 && size >= 40);
			REQUIRE(same_addr(&info.src, data + 8, 6));
			REQUIRE(same_addr(&info.dst, data + 24, 6));
		}
	}
	if (res == PKT_TCP) {
		if (info.ip_version == 4)
			check_tcp4(data, size, &info);
		else
			check_tcp6(data, size, &info);
		syn = (info.tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK |
		    TCP_FLAG_RST)) == TCP_FLAG_SYN;
		REQUIRE(pkt_is_new_connection(&info) == syn);
	} else
		REQUIRE(info.sport == 0 && info.dport == 0 &&
		    info.tcp_flags == 0);

	/* Padding after what the header claims is not the packet's. */
	claimed = claimed_len(data, size);
	if (claimed != 0 && claimed <= size) {
		if ((padded = malloc(size + 16)) == NULL)
			abort();
		memcpy(padded, data, size);
		memset(padded + size, 0xa5, 16);
		res2 = pkt_parse_ip(padded, size + 16, &again);
		REQUIRE(res2 == res);
		REQUIRE(memcmp(&again, &info, sizeof(info)) == 0);
		free(padded);
	}
	return 0;
}
