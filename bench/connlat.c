/*
 * connlat: connect() times through the gate, for bench/gate.sh.
 *
 *   connlat -l address [-p port] [-t seconds]
 *	listens and accepts and closes every connection, for at most
 *	-t seconds (default 600).
 *   connlat [-b source] [-p port] [-n count] [-w ms] [-i us] [-t seconds]
 *	address
 *	makes count (default 2000) connections one after the other, each
 *	closed with a RST as soon as it is up, -i microseconds apart
 *	(default 200), and prints the connect() times: p50, p90, p99, the
 *	largest, and how many did not connect within -w milliseconds
 *	(default 1000).  Stops after -t seconds (default 60) whatever the
 *	count.
 *
 * A connect() time runs from the call to the moment the socket is
 * writable: the SYN's trip through the firewall (and NFQUEUE), the SYN-ACK
 * and the ACK.  Addresses may be IPv4 or IPv6.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct addrinfo *
resolve(const char *host, const char *port, int passive)
{
	struct addrinfo hints, *res;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV |
	    (passive ? AI_PASSIVE : 0);
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0)
		errx(2, "%s: %s", host, gai_strerror(rc));
	return res;
}

static int
listener(const char *host, const char *port, double limit)
{
	struct addrinfo *ai = resolve(host, port, 1);
	struct pollfd pfd;
	double start = now();
	unsigned long accepted = 0;
	int fd, c, one = 1;

	if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0)) ==
	    -1)
		err(1, "socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1)
		err(1, "bind %s", host);
	if (listen(fd, 4096) == -1)
		err(1, "listen");
	freeaddrinfo(ai);
	printf("listening on %s port %s\n", host, port);
	fflush(stdout);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (now() - start < limit) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		while ((c = accept(fd, NULL, NULL)) != -1) {
			close(c);
			accepted++;
		}
	}
	printf("accepted %lu\n", accepted);
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One connection; its connect() time in seconds, or -1 if it failed. */
static double
attempt(const struct addrinfo *dst, const struct addrinfo *src, int wait_ms)
{
	struct linger lg = { 1, 0 };
	struct pollfd pfd;
	socklen_t len = sizeof(int);
	double t0, t = -1;
	int fd, rc, error = 0;

	if ((fd = socket(dst->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0)) ==
	    -1)
		err(1, "socket");
	if (src != NULL && bind(fd, src->ai_addr, src->ai_addrlen) == -1)
		err(1, "bind");
	t0 = now();
	rc = connect(fd, dst->ai_addr, dst->ai_addrlen);
	if (rc == -1 && errno == EINPROGRESS) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, wait_ms) == 1) {
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
			if (error == 0)
				t = now() - t0;
		}
	} else if (rc == 0)
		t = now() - t0;
	/* A RST, not a FIN: no TIME_WAIT left behind on either side. */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
	return t;
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: connlat -l address [-p port] [-t seconds]\n"
	    "       connlat [-b source] [-p port] [-n count] [-w ms] [-i us] "
	    "[-t seconds] address\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct addrinfo *dst, *src = NULL;
	struct timespec gap;
	const char *port = "25", *source = NULL, *listen_on = NULL;
	double *times, limit = -1, start, t;
	long count = 2000, wait_ms = 1000, interval_us = 200, i, ok = 0;
	long failed = 0;
	int ch;

	while ((ch = getopt(argc, argv, "b:i:l:n:p:t:w:")) != -1) {
		switch (ch) {
		case 'b':
			source = optarg;
			break;
		case 'i':
			interval_us = strtol(optarg, NULL, 10);
			break;
		case 'l':
			listen_on = optarg;
			break;
		case 'n':
			count = strtol(optarg, NULL, 10);
			break;
		case 'p':
			port = optarg;
			break;
		case 't':
			limit = strtod(optarg, NULL);
			break;
		case 'w':
			wait_ms = strtol(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (listen_on != NULL) {
		if (argc != 0)
			usage();
		return listener(listen_on, port, limit > 0 ? limit : 600);
	}
	if (argc != 1 || count <= 0 || wait_ms <= 0 || interval_us < 0)
		usage();
	if (limit <= 0)
		limit = 60;
	dst = resolve(argv[0], port, 0);
	if (source != NULL)
		src = resolve(source, NULL, 0);
	if ((times = calloc((size_t)count, sizeof(*times))) == NULL)
		err(1, NULL);
	gap.tv_sec = interval_us / 1000000;
	gap.tv_nsec = (interval_us % 1000000) * 1000;
	start = now();
	for (i = 0; i < count && now() - start < limit; i++) {
		if ((t = attempt(dst, src, (int)wait_ms)) < 0)
			failed++;
		else
			times[ok++] = t;
		if (interval_us > 0)
			nanosleep(&gap, NULL);
	}
	if (ok == 0) {
		printf("connects 0, failed %ld\n", failed);
		return 1;
	}
	qsort(times, (size_t)ok, sizeof(*times), cmp_double);
	printf("connects %ld, failed %ld, p50 %.1f us, p90 %.1f us, "
	    "p99 %.1f us, max %.1f us\n", ok, failed,
	    times[(ok - 1) * 50 / 100] * 1e6, times[(ok - 1) * 90 / 100] * 1e6,
	    times[(ok - 1) * 99 / 100] * 1e6, times[ok - 1] * 1e6);
	freeaddrinfo(dst);
	if (src != NULL)
		freeaddrinfo(src);
	free(times);
	return failed > 0;
}
