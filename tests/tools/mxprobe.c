/*
 * mxprobe: a TCP client for the integration tests and the demo.
 *
 *   mxprobe [-b source] [-w milliseconds] [-p port] connect address
 *	one connection attempt; prints "connected", "refused" or "timeout"
 *	with the time it took, and the server's first line if it sent one.
 *   mxprobe [-b source] [-w milliseconds] [-p port] mta address ...
 *	behaves like an MTA delivering to MX hosts in preference order:
 *	a refused or timed-out host moves it on to the next at once.
 *
 * Exit status: 0 connected, 1 refused, 2 timed out, 3 usage or error.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum outcome { CONNECTED, REFUSED, TIMEOUT, FAILED };

static const char *source;
static int timeout_ms = 3000;
static const char *port = "25";

static long
elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 +
	    (now.tv_nsec - start->tv_nsec) / 1000000;
}

static int
resolve(const char *host, const char *serv, struct addrinfo **res)
{
	struct addrinfo hints;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST;
	if ((rc = getaddrinfo(host, serv, &hints, res)) != 0) {
		fprintf(stderr, "mxprobe: %s: %s\n", host, gai_strerror(rc));
		return -1;
	}
	return 0;
}

/* Print the first line the server sends, if it sends one in time. */
static void
print_banner(int fd, long budget_ms)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	char buf[256];
	ssize_t n;

	if (budget_ms < 100)
		budget_ms = 100;
	if (poll(&pfd, 1, (int)budget_ms) <= 0)
		return;
	if ((n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	printf(" banner \"%s\"", buf);
}

static enum outcome
attempt(const char *host)
{
	struct addrinfo *dst, *src = NULL;
	struct timespec start;
	struct pollfd pfd;
	enum outcome res = FAILED;
	socklen_t len = sizeof(int);
	int fd, err = 0, rc;

	if (resolve(host, port, &dst) == -1)
		return FAILED;
	if (source != NULL && resolve(source, NULL, &src) == -1)
		goto out;
	fd = socket(dst->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd == -1 || (src != NULL &&
	    bind(fd, src->ai_addr, src->ai_addrlen) == -1)) {
		perror("mxprobe: socket");
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	rc = connect(fd, dst->ai_addr, dst->ai_addrlen);
	if (rc == -1 && errno == EINPROGRESS) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		rc = poll(&pfd, 1, timeout_ms);
		if (rc == 0) {
			res = TIMEOUT;
			goto report;
		}
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	} else if (rc == -1)
		err = errno;
	res = err == 0 ? CONNECTED : err == ECONNREFUSED ? REFUSED : FAILED;
report:
	printf("%s %s %ldms", host, res == CONNECTED ? "connected" :
	    res == REFUSED ? "refused" : res == TIMEOUT ? "timeout" :
	    "failed", elapsed_ms(&start));
	if (res == FAILED)
		printf(" (%s)", strerror(err));
	if (res == CONNECTED)
		print_banner(fd, timeout_ms - elapsed_ms(&start));
	putchar('\n');
	close(fd);
out:
	freeaddrinfo(dst);
	if (src != NULL)
		freeaddrinfo(src);
	return res;
}

static int
usage(void)
{
	fprintf(stderr, "usage: mxprobe [-b source] [-w ms] [-p port] "
	    "connect address\n"
	    "       mxprobe [-b source] [-w ms] [-p port] mta address ...\n");
	return 3;
}

int
main(int argc, char *argv[])
{
	struct timespec start;
	enum outcome res = FAILED;
	int ch, i;

	while ((ch = getopt(argc, argv, "b:p:w:")) != -1) {
		switch (ch) {
		case 'b':
			source = optarg;
			break;
		case 'p':
			port = optarg;
			break;
		case 'w':
			timeout_ms = atoi(optarg);
			if (timeout_ms <= 0)
				return usage();
			break;
		default:
			return usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2)
		return usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(argv[0], "connect") == 0 && argc == 2)
		return (int)attempt(argv[1]);
	if (strcmp(argv[0], "mta") != 0)
		return usage();
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 1; i < argc; i++) {
		if ((res = attempt(argv[i])) == CONNECTED) {
			printf("delivered via %s after %ldms\n", argv[i],
			    elapsed_ms(&start));
			return 0;
		}
	}
	printf("undelivered after %ldms\n", elapsed_ms(&start));
	return (int)res;
}
