/*
 * Parsing of the IP and TCP headers of one captured packet.
 *
 * The parser reads only what it needs (addresses, ports, TCP flags) and
 * checks every read against the captured length: packets come from the
 * internet and may be truncated by the capture or forged to mislead.
 */
#ifndef MX_PACKET_H
#define MX_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define TCP_FLAG_SYN	0x02
#define TCP_FLAG_RST	0x04
#define TCP_FLAG_ACK	0x10

enum pkt_result {
	PKT_TCP,		/* a TCP segment: the info is filled in */
	PKT_NOT_TCP,		/* well-formed, but another protocol */
	PKT_FRAGMENT,		/* a non-first fragment: no TCP header */
	PKT_MALFORMED		/* truncated or inconsistent headers */
};

struct pkt_info {
	struct mx_addr	src;
	struct mx_addr	dst;
	uint16_t	sport;
	uint16_t	dport;
	uint8_t		tcp_flags;
	uint8_t		ip_version;	/* 4 or 6, from the IP header */
};

enum pkt_result	pkt_parse_ip(const void *, size_t, struct pkt_info *);

/* A 16-bit field in network byte order. */
static inline uint16_t
pkt_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}
int		pkt_is_new_connection(const struct pkt_info *);

#endif
