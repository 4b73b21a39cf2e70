/*
 * synsend: IPv6 TCP SYNs with forged sources, written straight onto a veth
 * with a packet socket, for the NFQUEUE benchmark (bench/gate.sh).  Only
 * ever aimed at the benchmark's own network namespaces.
 *
 *   synsend -i ifname -m dst-mac -f fake-mx -r real-mx -n count
 *	     [-p pattern] [-k listed] [-R per-second] [-t seconds]
 *	     [-w queue-file -q queue-num [-c pid]]
 *
 * The pattern is a string of F (to the fake MX from a listed source),
 * R (to the real MX from a listed source) and B (to the real MX from an
 * unlisted source), repeated over the count; the default is F.  Listed
 * sources are the k addresses 2001:db8:f::1 onwards (default k 100000),
 * taken in a scattered order that visits each one once per k picks;
 * unlisted sources are 2001:db8:e::1 onwards, a new one every time.  So
 * "-p F -k 100000 -n 100000" makes a whitelist of 100000 senders, and
 * "-p FFFFRRRRRB" is four renewals, five passes and one block in ten.
 *
 * With -R the sender paces itself; otherwise it sends as fast as it can.
 * It stops after -t seconds (default 30) whatever the count.  With -w (a
 * server-side /proc/PID/net/netfilter/nfnetlink_queue), it samples the
 * queue while sending and afterwards waits (at most -t seconds more) until
 * the queue is empty and has stopped moving, and reports how long that
 * took: the time the verdicting program needed for the whole flood.
 *
 * With -c as well, the verdicting program (that PID) has been stopped
 * with SIGSTOP by the caller, so the flood waits in its queue.  Once the
 * queue has stopped growing, synsend sends it SIGCONT and times how long
 * it takes to empty the queue: its verdict rate with a full receive buffer
 * and nothing else to do.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include <err.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FRAME_LEN	(14 + 40 + 20)
#define BURST		32
#define SAMPLE_NSEC	5000000		/* queue samples while sending */
#define LISTED_STRIDE	7919		/* prime: scatters the listed picks */

struct queue_sample {
	unsigned long	total;		/* packets waiting for a verdict */
	unsigned long	ids;		/* ids handed out so far */
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint32_t
sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len == 1)
		sum += (uint32_t)(p[0] << 8);
	return sum;
}

static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* 2001:db8:<net>::<n>, n from 1. */
static void
make_source(uint8_t *a, uint16_t net, uint32_t n)
{
	memset(a, 0, 16);
	a[0] = 0x20;
	a[1] = 0x01;
	a[2] = 0x0d;
	a[3] = 0xb8;
	put16(a + 4, net);
	put16(a + 12, (uint16_t)(n >> 16));
	put16(a + 14, (uint16_t)n);
}

/* An Ethernet frame holding an IPv6 header and a TCP SYN to port 25. */
static void
build_frame(uint8_t *f, const uint8_t *dmac, const uint8_t *smac,
    const uint8_t *src, const uint8_t *dst, uint16_t sport, uint32_t seq)
{
	uint8_t *ip = f + 14, *tcp = ip + 40;
	uint32_t sum;

	memset(f, 0, FRAME_LEN);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	put16(f + 12, ETH_P_IPV6);
	ip[0] = 0x60;
	put16(ip + 4, 20);
	ip[6] = IPPROTO_TCP;
	ip[7] = 64;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	put16(tcp, sport);
	put16(tcp + 2, 25);
	put16(tcp + 4, (uint16_t)(seq >> 16));
	put16(tcp + 6, (uint16_t)seq);
	tcp[12] = 5 << 4;
	tcp[13] = 0x02;
	put16(tcp + 14, 64240);
	/* Pseudo-header: addresses, length, next header; then the segment. */
	sum = sum16(ip + 8, 32, 0);
	sum += 20 + IPPROTO_TCP;
	sum = sum16(tcp, 20, sum);
	put16(tcp + 16, fold(sum));
}

static int
parse_mac(const char *s, uint8_t *mac)
{
	unsigned v[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4],
	    &v[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++) {
		if (v[i] > 0xff)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

/* This queue's line in the kernel's statistics; -1 if it is not there. */
static int
read_queue(const char *path, unsigned long queue, struct queue_sample *qs)
{
	unsigned long num, portid, total, mode, range, dropped, udropped, ids;
	char line[256];
	FILE *fp;
	int found = -1;

	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (sscanf(line, "%lu %lu %lu %lu %lu %lu %lu %lu", &num,
		    &portid, &total, &mode, &range, &dropped, &udropped,
		    &ids) == 8 && num == queue) {
			qs->total = total;
			qs->ids = ids;
			found = 0;
			break;
		}
	}
	fclose(fp);
	return found;
}

static void
pace(double start, unsigned long sent, unsigned long rate)
{
	struct timespec delay;
	double ahead;

	ahead = (double)sent / (double)rate - (now() - start);
	if (ahead > 0.0002) {
		delay.tv_sec = (time_t)ahead;
		delay.tv_nsec = (long)((ahead - (double)delay.tv_sec) * 1e9);
		nanosleep(&delay, NULL);
	}
}

static void
sleep_usec(long usec)
{
	struct timespec ts = { usec / 1000000, (usec % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

/*
 * The program was stopped while the flood queued up: wake it and time how
 * long it needs to answer the whole backlog.
 */
static int
drain(const char *qfile, unsigned long queue, pid_t pid, double limit)
{
	struct queue_sample qs, last;
	double t0, t1;
	int stable = 0;

	if (read_queue(qfile, queue, &last) == -1)
		return 1;
	for (t0 = now(); stable < 3 && now() - t0 < limit; last = qs) {
		sleep_usec(1000);
		if (read_queue(qfile, queue, &qs) == -1)
			return 1;
		stable = qs.total == last.total && qs.ids == last.ids ?
		    stable + 1 : 0;
	}
	if (last.total == 0) {
		printf("nothing queued\n");
		return 1;
	}
	t0 = now();
	if (kill(pid, SIGCONT) == -1)
		err(1, "SIGCONT %ld", (long)pid);
	do {
		sleep_usec(100);
		if (read_queue(qfile, queue, &qs) == -1)
			return 1;
		t1 = now();
	} while (qs.total > 0 && t1 - t0 < limit);
	if (qs.total > 0) {
		printf("queue not drained after %.1f s\n", t1 - t0);
		return 1;
	}
	printf("drained %lu queued packets in %.6f s (%.0f/s)\n", last.total,
	    t1 - t0, (double)last.total / (t1 - t0));
	return 0;
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: synsend -i ifname -m dst-mac -f fake-mx "
	    "-r real-mx -n count\n\t[-p pattern] [-k listed] [-R per-second] "
	    "[-t seconds] [-w queue-file -q queue-num [-c pid]]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	static uint8_t frames[BURST][FRAME_LEN];
	struct mmsghdr msgs[BURST];
	struct iovec iov[BURST];
	struct sockaddr_ll sll;
	struct queue_sample qs, last;
	struct ifreq ifr;
	const char *ifname = NULL, *pattern = "F", *qfile = NULL, *p;
	uint8_t dmac[6], smac[6], fake[16], real[16], src[16];
	unsigned long count = 0, rate = 0, listed = 100000, queue = 0;
	unsigned long i, j, n, sent = 0, failed = 0, picks = 0, unlisted = 0;
	unsigned long stride = LISTED_STRIDE;
	unsigned long max_backlog = 0, end_backlog = 0;
	double limit = 30, start, t_sent, t_zero = 0, t_done = 0, next_sample;
	int ch, fd, one = 1, have_mac = 0, have_fake = 0, have_real = 0;
	int rc, stable;
	pid_t stopped = 0;

	while ((ch = getopt(argc, argv, "c:f:i:k:m:n:p:q:R:r:t:w:")) != -1) {
		switch (ch) {
		case 'c':
			stopped = (pid_t)strtol(optarg, NULL, 10);
			break;
		case 'f':
			if (inet_pton(AF_INET6, optarg, fake) != 1)
				errx(2, "bad address %s", optarg);
			have_fake = 1;
			break;
		case 'i':
			ifname = optarg;
			break;
		case 'k':
			listed = strtoul(optarg, NULL, 10);
			break;
		case 'm':
			if (parse_mac(optarg, dmac) == -1)
				errx(2, "bad MAC address %s", optarg);
			have_mac = 1;
			break;
		case 'n':
			count = strtoul(optarg, NULL, 10);
			break;
		case 'p':
			pattern = optarg;
			break;
		case 'q':
			queue = strtoul(optarg, NULL, 10);
			break;
		case 'R':
			rate = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			if (inet_pton(AF_INET6, optarg, real) != 1)
				errx(2, "bad address %s", optarg);
			have_real = 1;
			break;
		case 't':
			limit = strtod(optarg, NULL);
			break;
		case 'w':
			qfile = optarg;
			break;
		default:
			usage();
		}
	}
	if (ifname == NULL || !have_mac || !have_fake || !have_real ||
	    count == 0 || listed == 0 || listed > 0xffffffffUL ||
	    *pattern == '\0' || pattern[strspn(pattern, "FRB")] != '\0' ||
	    limit <= 0 || (stopped != 0 && qfile == NULL))
		usage();

	if ((fd = socket(AF_PACKET, SOCK_RAW, 0)) == -1)
		err(1, "packet socket");
	memset(&ifr, 0, sizeof(ifr));
	if (strlen(ifname) >= sizeof(ifr.ifr_name))
		errx(2, "interface name too long");
	strncpy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name) - 1);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == -1)
		err(1, "%s", ifname);
	memcpy(smac, ifr.ifr_hwaddr.sa_data, 6);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IPV6);
	if ((sll.sll_ifindex = (int)if_nametoindex(ifname)) == 0)
		err(1, "%s", ifname);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1)
		err(1, "bind %s", ifname);
	/* The veth has no queue to speak of: skip the qdisc layer. */
	(void)setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
	    sizeof(one));
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BURST; i++) {
		iov[i].iov_base = frames[i];
		iov[i].iov_len = FRAME_LEN;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	if (qfile != NULL && read_queue(qfile, queue, &last) == -1)
		errx(1, "%s: queue %lu not found", qfile, queue);

	if (listed % stride == 0)
		stride = 1;
	p = pattern;
	start = now();
	next_sample = start;
	for (i = 0; i < count; i += n) {
		n = count - i < BURST ? count - i : BURST;
		for (j = 0; j < n; j++) {
			char c = *p;

			if (*++p == '\0')
				p = pattern;
			if (c == 'B')
				make_source(src, 0xe, (uint32_t)++unlisted);
			else {
				make_source(src, 0xf, (uint32_t)(1 +
				    (picks * stride) % listed));
				/* One pass of k picks visits every source. */
				picks = (picks + 1) % listed;
			}
			build_frame(frames[j], dmac, smac, src,
			    c == 'F' ? fake : real,
			    (uint16_t)(1024 + (i + j) % 60000),
			    (uint32_t)(i + j) * 2654435761U);
		}
		if ((rc = sendmmsg(fd, msgs, (unsigned)n, 0)) == -1)
			rc = 0;
		sent += (unsigned long)rc;
		failed += n - (unsigned long)rc;
		if (rate > 0)
			pace(start, i + n, rate);
		if (qfile != NULL && now() >= next_sample) {
			next_sample += SAMPLE_NSEC / 1e9;
			if (read_queue(qfile, queue, &qs) == 0 &&
			    qs.total > max_backlog)
				max_backlog = qs.total;
		}
		if (now() - start > limit)
			break;
	}
	t_sent = now() - start;
	printf("sent %lu SYNs in %.3f s (%.0f/s), %lu send errors\n", sent,
	    t_sent, t_sent > 0 ? (double)sent / t_sent : 0.0, failed);
	if (qfile == NULL)
		return sent == 0;
	if (stopped != 0)
		return drain(qfile, queue, stopped, limit);

	/* Until the queue is empty and no id was handed out for 3 ms. */
	stable = 0;
	if (read_queue(qfile, queue, &last) == 0)
		end_backlog = last.total;
	while (now() - start < 2 * limit) {
		sleep_usec(1000);
		if (read_queue(qfile, queue, &qs) == -1)
			break;
		if (qs.total > max_backlog)
			max_backlog = qs.total;
		if (qs.total == 0 && qs.ids == last.ids) {
			if (stable++ == 0)
				t_zero = now() - start;
			if (stable == 3) {
				t_done = t_zero;
				break;
			}
		} else
			stable = 0;
		last = qs;
	}
	if (t_done == 0) {
		printf("queue not drained after %.1f s\n", now() - start);
		return 1;
	}
	printf("drained in %.3f s; backlog at end of sending %lu, "
	    "largest seen %lu\n", t_done, end_backlog, max_backlog);
	return sent == 0;
}
