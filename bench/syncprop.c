/*
 * syncprop: how long a whitelisting takes from one gate to another, for
 * bench/sync.sh.  For each of count senders (first-source, then the next
 * addresses), one SYN to gate A's fake MX (a connect() the fake MX
 * refuses), then gate B's control socket is asked for the sender, every
 * 50 microseconds, until B lists it: the time from the SYN to the answer
 * that lists it.  Prints the count listed, missed (not within 5 s), and
 * the median and 99th percentile in microseconds; how many B listed
 * before the SYN's RST came back to us is printed too.  With -r, then,
 * count more senders behave like an MTA: the fake MX of A, and at once,
 * after its refusal, the real MX of B: how many connect on their first
 * SYN (within 900 ms; a dropped SYN is sent again after about 1 s).
 *
 *   syncprop -c b-control-socket -f fake-mx -s first-source -n count
 *	[-r b-real-mx]
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
ctl_connect(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		errx(2, "%s: path too long", path);
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		err(2, "%s", path);
	return fd;
}

/* Ask the control socket whether addr is listed: 1 yes, 0 no.  One
 * request a connection, as mxallowctl does. */
static int
listed(const char *path, const char *addr)
{
	int fd = ctl_connect(path);
	char req[128], buf[4096];
	size_t have = 0;
	ssize_t n;
	int yes = 0;

	snprintf(req, sizeof(req), "show whitelist %s\n", addr);
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		err(2, "control socket write");
	for (;;) {
		if ((n = read(fd, buf + have, sizeof(buf) - 1 - have)) <= 0)
			errx(2, "control socket closed");
		if (have + (size_t)n >= sizeof(buf) - 1)
			errx(2, "answer too long");
		have += (size_t)n;
		buf[have] = '\0';
		if (strstr(buf, "end\n") != NULL)
			break;
	}
	if (strncmp(buf, addr, strlen(addr)) == 0 &&
	    buf[strlen(addr)] == '/')
		yes = 1;
	close(fd);
	return yes;
}

/* An MTA's attempt: fake MX refused, then the real one; ms, or -1. */
static double
mta(const struct sockaddr_in6 *src, const struct sockaddr_in6 *fake,
    const struct sockaddr_in6 *real)
{
	struct pollfd pfd;
	double t0, t;
	int fd, e;
	socklen_t len = sizeof(e);

	if ((fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    bind(fd, (const struct sockaddr *)src, sizeof(*src)) == -1)
		err(2, "bind");
	(void)connect(fd, (const struct sockaddr *)fake, sizeof(*fake));
	pfd.fd = fd;
	pfd.events = POLLOUT;
	(void)poll(&pfd, 1, 3000);
	close(fd);
	if ((fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    bind(fd, (const struct sockaddr *)src, sizeof(*src)) == -1)
		err(2, "bind");
	t0 = now_us();
	(void)connect(fd, (const struct sockaddr *)real, sizeof(*real));
	pfd.fd = fd;
	if (poll(&pfd, 1, 3000) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR,
	    &e, &len) == -1 || e != 0) {
		close(fd);
		return -1;
	}
	t = now_us();
	close(fd);
	return (t - t0) / 1e3;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char *argv[])
{
	const char *ctl = NULL, *fake = NULL, *first = NULL, *realmx = NULL;
	struct sockaddr_in6 src, dst, real;
	double ms, *cms;
	int ok = 0, fast = 0;
	struct in6_addr a;
	char text[INET6_ADDRSTRLEN];
	double *lat, t0, t;
	int ch, n = 0, i, fd, got = 0, missed = 0, first_syn = 0;
	struct pollfd pfd;

	while ((ch = getopt(argc, argv, "c:f:s:n:r:")) != -1) {
		switch (ch) {
		case 'r': realmx = optarg; break;
		case 'c': ctl = optarg; break;
		case 'f': fake = optarg; break;
		case 's': first = optarg; break;
		case 'n': n = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (ctl == NULL || fake == NULL || first == NULL || n <= 0)
		goto usage;
	memset(&dst, 0, sizeof(dst));
	dst.sin6_family = AF_INET6;
	dst.sin6_port = htons(25);
	if (inet_pton(AF_INET6, fake, &dst.sin6_addr) != 1 ||
	    inet_pton(AF_INET6, first, &a) != 1)
		errx(2, "IPv6 addresses, please");
	if ((lat = calloc((size_t)n, sizeof(*lat))) == NULL)
		err(2, "calloc");
	for (i = 0; i < n; i++) {
		memset(&src, 0, sizeof(src));
		src.sin6_family = AF_INET6;
		src.sin6_addr = a;
		a.s6_addr[15]++;
		if (a.s6_addr[15] == 0)
			a.s6_addr[14]++;
		inet_ntop(AF_INET6, &src.sin6_addr, text, sizeof(text));
		if ((fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0)) ==
		    -1 || bind(fd, (struct sockaddr *)&src, sizeof(src)) == -1)
			err(2, "bind %s", text);
		t0 = now_us();
		if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) == 0 ||
		    errno != EINPROGRESS)
			errx(2, "connect to the fake MX did not wait");
		pfd.fd = fd;
		pfd.events = POLLOUT;
		for (;;) {
			if (listed(ctl, text)) {
				t = now_us();
				/* Listed before the RST came back. */
				if (poll(&pfd, 1, 0) == 0)
					first_syn++;
				lat[got++] = t - t0;
				break;
			}
			if (now_us() - t0 > 5e6) {
				missed++;
				break;
			}
			usleep(50);
		}
		close(fd);
	}
	qsort(lat, (size_t)got, sizeof(*lat), cmp);
	printf("listed %d missed %d p50_us %.0f p99_us %.0f before_rst %d\n",
	    got, missed, got ? lat[(got - 1) / 2] : 0.0,
	    got ? lat[(int)((got - 1) * 0.99)] : 0.0, first_syn);
	free(lat);
	if (realmx == NULL)
		return missed > 0;
	real = dst;
	if (inet_pton(AF_INET6, realmx, &real.sin6_addr) != 1)
		errx(2, "IPv6 addresses, please");
	if ((cms = calloc((size_t)n, sizeof(*cms))) == NULL)
		err(2, "calloc");
	for (i = 0; i < n; i++) {
		memset(&src, 0, sizeof(src));
		src.sin6_family = AF_INET6;
		src.sin6_addr = a;
		a.s6_addr[15]++;
		if (a.s6_addr[15] == 0)
			a.s6_addr[14]++;
		if ((ms = mta(&src, &dst, &real)) < 0)
			continue;
		cms[ok++] = ms;
		if (ms < 900)
			fast++;
	}
	qsort(cms, (size_t)ok, sizeof(*cms), cmp);
	printf("mta %d connected %d first_syn %d connect_p50_ms %.1f\n", n, ok,
	    fast, ok ? cms[(ok - 1) / 2] : 0.0);
	free(cms);
	return missed > 0;
usage:
	fprintf(stderr, "usage: syncprop -c socket -f fake-mx -s first-source "
	    "-n count\n");
	return 2;
}
