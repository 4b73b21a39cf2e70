/*
 * synflood: send TCP SYNs with forged sources, for the overflow tests and
 * the benchmarks.  Only ever aimed at addresses inside the test's own
 * network namespaces.
 *
 *   synflood -d address [-p port] [-s first-source] [-k sources] -n count
 *	     [-r per-second]
 *
 * Sources cycle through k consecutive addresses starting at first-source
 * (default 203.0.113.1, or 2001:db8:ffff::1 when the destination is IPv6;
 * k = 200).  With -r the sender paces itself; otherwise it sends as fast as
 * it can.
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
#include <time.h>
#include <unistd.h>

static uint16_t
checksum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len == 1)
		sum += (uint32_t)(p[0] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* A 20-byte IPv4 header and a 20-byte TCP SYN, checksums filled in. */
static void
build_syn(uint8_t *pkt, uint32_t src, uint32_t dst, uint16_t sport,
    uint16_t dport, uint32_t seq)
{
	uint8_t pseudo[12 + 20];
	uint8_t *tcp = pkt + 20;

	memset(pkt, 0, 40);
	pkt[0] = 0x45;
	put16(pkt + 2, 40);
	pkt[8] = 64;
	pkt[9] = IPPROTO_TCP;
	memcpy(pkt + 12, &src, 4);
	memcpy(pkt + 16, &dst, 4);
	put16(pkt + 10, checksum(pkt, 20, 0));
	put16(tcp, sport);
	put16(tcp + 2, dport);
	put16(tcp + 4, (uint16_t)(seq >> 16));
	put16(tcp + 6, (uint16_t)seq);
	tcp[12] = 5 << 4;
	tcp[13] = 0x02;
	put16(tcp + 14, 64240);
	memcpy(pseudo, &src, 4);
	memcpy(pseudo + 4, &dst, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	put16(pseudo + 10, 20);
	memcpy(pseudo + 12, tcp, 20);
	put16(tcp + 16, checksum(pseudo, sizeof(pseudo), 0));
}

/* A 40-byte IPv6 header and a 20-byte TCP SYN. */
static void
build_syn6(uint8_t *pkt, const struct in6_addr *src,
    const struct in6_addr *dst, uint16_t sport, uint16_t dport, uint32_t seq)
{
	uint8_t pseudo[40 + 20];
	uint8_t *tcp = pkt + 40;

	memset(pkt, 0, 60);
	pkt[0] = 0x60;
	put16(pkt + 4, 20);
	pkt[6] = IPPROTO_TCP;
	pkt[7] = 64;
	memcpy(pkt + 8, src, 16);
	memcpy(pkt + 24, dst, 16);
	put16(tcp, sport);
	put16(tcp + 2, dport);
	put16(tcp + 4, (uint16_t)(seq >> 16));
	put16(tcp + 6, (uint16_t)seq);
	tcp[12] = 5 << 4;
	tcp[13] = 0x02;
	put16(tcp + 14, 64240);
	memset(pseudo, 0, sizeof(pseudo));
	memcpy(pseudo, src, 16);
	memcpy(pseudo + 16, dst, 16);
	pseudo[35] = 20;
	pseudo[39] = IPPROTO_TCP;
	memcpy(pseudo + 40, tcp, 20);
	put16(tcp + 16, checksum(pseudo, sizeof(pseudo), 0));
}

/* The i-th source: first plus i in its last 32 bits. */
static void
source6(const struct in6_addr *first, unsigned long i, struct in6_addr *out)
{
	uint32_t low;

	*out = *first;
	memcpy(&low, out->s6_addr + 12, 4);
	low = htonl(ntohl(low) + (uint32_t)i);
	memcpy(out->s6_addr + 12, &low, 4);
}

static void
pace(const struct timespec *start, unsigned long sent, unsigned long rate)
{
	struct timespec now, delay;
	double due, elapsed;

	clock_gettime(CLOCK_MONOTONIC, &now);
	due = (double)sent / (double)rate;
	elapsed = (double)(now.tv_sec - start->tv_sec) +
	    (double)(now.tv_nsec - start->tv_nsec) / 1e9;
	if (due > elapsed + 0.001) {
		delay.tv_sec = (time_t)(due - elapsed);
		delay.tv_nsec = (long)((due - elapsed -
		    (double)delay.tv_sec) * 1e9);
		nanosleep(&delay, NULL);
	}
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in to;
	struct sockaddr_in6 to6;
	struct timespec start, end;
	struct in_addr first, dst;
	struct in6_addr first6, dst6, src6;
	const char *first_text = NULL;
	bool v6 = false;
	unsigned long count = 0, rate = 0, sources = 200, i, failed = 0;
	uint16_t dport = 25;
	uint8_t pkt[60];
	double secs;
	int ch, fd;

	inet_pton(AF_INET, "203.0.113.1", &first);
	dst.s_addr = 0;
	while ((ch = getopt(argc, argv, "d:k:n:p:r:s:")) != -1) {
		switch (ch) {
		case 'd':
			if (inet_pton(AF_INET6, optarg, &dst6) == 1)
				v6 = true;
			else if (inet_pton(AF_INET, optarg, &dst) != 1)
				errx(2, "bad address %s", optarg);
			break;
		case 'k':
			sources = strtoul(optarg, NULL, 10);
			break;
		case 'n':
			count = strtoul(optarg, NULL, 10);
			break;
		case 'p':
			dport = (uint16_t)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			rate = strtoul(optarg, NULL, 10);
			break;
		case 's':
			first_text = optarg;
			break;
		default:
			goto usage;
		}
	}
	if ((!v6 && dst.s_addr == 0) || count == 0 || sources == 0)
		goto usage;
	inet_pton(AF_INET6, "2001:db8:ffff::1", &first6);
	if (first_text != NULL && (v6 ? inet_pton(AF_INET6, first_text,
	    &first6) : inet_pton(AF_INET, first_text, &first)) != 1)
		errx(2, "bad address %s", first_text);
	/* IPPROTO_RAW: the packets carry their own IP header. */
	if ((fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW, IPPROTO_RAW)) ==
	    -1)
		err(2, "raw socket");
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_addr = dst;
	memset(&to6, 0, sizeof(to6));
	to6.sin6_family = AF_INET6;
	to6.sin6_addr = dst6;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; i < count; i++) {
		uint32_t src = htonl(ntohl(first.s_addr) +
		    (uint32_t)(i % sources));
		ssize_t rc;

		if (v6) {
			source6(&first6, i % sources, &src6);
			build_syn6(pkt, &src6, &dst6,
			    (uint16_t)(1024 + i % 60000), dport,
			    (uint32_t)i * 7919);
			rc = sendto(fd, pkt, 60, 0, (struct sockaddr *)&to6,
			    sizeof(to6));
		} else {
			build_syn(pkt, src, dst.s_addr,
			    (uint16_t)(1024 + i % 60000), dport,
			    (uint32_t)i * 7919);
			rc = sendto(fd, pkt, 40, 0, (struct sockaddr *)&to,
			    sizeof(to));
		}
		if (rc == -1)
			failed++;
		if (rate > 0 && i % 64 == 0)
			pace(&start, i, rate);
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	secs = (double)(end.tv_sec - start.tv_sec) +
	    (double)(end.tv_nsec - start.tv_nsec) / 1e9;
	printf("sent %lu SYNs in %.3f s (%.0f/s), %lu send errors\n",
	    count - failed, secs, (double)(count - failed) / secs, failed);
	return failed == count ? 1 : 0;
usage:
	fprintf(stderr, "usage: synflood -d address [-p port] "
	    "[-s first-source] [-k sources] -n count [-r per-second]\n");
	return 2;
}
