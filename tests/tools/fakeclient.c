/*
 * fakeclient: clients of the answering fake MX, for its integration test.
 * Only ever aimed at addresses inside the test's own network namespaces.
 *
 *   fakeclient [-b source] [-w ms] smtp address helo sender recipient...
 *	an SMTP dialogue as far as RCPT TO, then QUIT; prints every line
 *	the server sends, prefixed "S: ".  Exit 0 if the server answered
 *	every command, 1 if it did not, 3 on errors.
 *   fakeclient [-b source] [-w ms] flood address count
 *	opens count connections at once and holds each until the server
 *	closes it or -w runs out; prints "connected N answered N closed N"
 *	(answered: the server sent a line; closed: the server closed).
 *   fakeclient [-b source] [-w ms] slow address
 *	slowloris: one connection that sends a byte of "EHLO" every 200 ms,
 *	never a whole line; prints "closed after N ms" with the server's
 *	last line, or "open after N ms" if -w ran out first.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *source;
static int wait_ms = 5000;

static long
elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 +
	    (now.tv_nsec - start->tv_nsec) / 1000000;
}

static struct addrinfo *
resolve(const char *host, const char *serv)
{
	struct addrinfo hints, *res;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST;
	if ((rc = getaddrinfo(host, serv, &hints, &res)) != 0) {
		fprintf(stderr, "fakeclient: %s: %s\n", host, gai_strerror(rc));
		exit(3);
	}
	return res;
}

/* A socket bound to -b, connecting to address:25; non-blocking. */
static int
open_conn(const char *host)
{
	struct addrinfo *dst = resolve(host, "25"), *src = NULL;
	int fd;

	if (source != NULL)
		src = resolve(source, NULL);
	fd = socket(dst->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd == -1 || (src != NULL &&
	    bind(fd, src->ai_addr, src->ai_addrlen) == -1)) {
		perror("fakeclient: socket");
		exit(3);
	}
	if (connect(fd, dst->ai_addr, dst->ai_addrlen) == -1 &&
	    errno != EINPROGRESS) {
		perror("fakeclient: connect");
		exit(3);
	}
	freeaddrinfo(dst);
	if (src != NULL)
		freeaddrinfo(src);
	return fd;
}

/* One line from the server within the time left; "" at end of file. */
static int
read_line(int fd, char *buf, size_t len, const struct timespec *start)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	size_t n = 0;
	ssize_t r;
	long left;

	while (n < len - 1) {
		if ((left = wait_ms - elapsed_ms(start)) <= 0)
			return -1;
		if (poll(&pfd, 1, (int)left) <= 0)
			return -1;
		if ((r = read(fd, buf + n, 1)) <= 0)
			break;
		if (buf[n++] == '\n')
			break;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return n > 0 ? 0 : -1;
}

/* Send a command, print and return the reply's code (-1: none). */
static int
exchange(int fd, const char *cmd, const struct timespec *start)
{
	char line[1024];
	size_t len;

	if (cmd != NULL) {
		len = strlen(cmd);
		printf("C: %s\n", cmd);
		if (write(fd, cmd, len) != (ssize_t)len ||
		    write(fd, "\r\n", 2) != 2)
			return -1;
	}
	if (read_line(fd, line, sizeof(line), start) == -1)
		return -1;
	printf("S: %s\n", line);
	return atoi(line);
}

static int
smtp(const char *host, char **argv, int argc)
{
	struct timespec start;
	char cmd[1024];
	int fd, i, ok = 1;

	clock_gettime(CLOCK_MONOTONIC, &start);
	fd = open_conn(host);
	ok &= exchange(fd, NULL, &start) == 220;
	snprintf(cmd, sizeof(cmd), "EHLO %s", argv[0]);
	ok &= exchange(fd, cmd, &start) == 250;
	snprintf(cmd, sizeof(cmd), "MAIL FROM:<%s>", argv[1]);
	ok &= exchange(fd, cmd, &start) == 250;
	for (i = 2; i < argc; i++) {
		snprintf(cmd, sizeof(cmd), "RCPT TO:<%s>", argv[i]);
		ok &= exchange(fd, cmd, &start) > 0;
	}
	ok &= exchange(fd, "QUIT", &start) == 221;
	close(fd);
	return ok ? 0 : 1;
}

static int
flood(const char *host, int count)
{
	struct timespec start;
	struct pollfd *pfd;
	struct rlimit rl;
	int i, connected = 0, answered = 0, closed = 0, open_left;
	char buf[512];
	ssize_t r;
	char *seen;

	rl.rlim_cur = rl.rlim_max = (rlim_t)count + 64;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
	if ((pfd = calloc((size_t)count, sizeof(*pfd))) == NULL ||
	    (seen = calloc((size_t)count, 1)) == NULL)
		return 3;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; i < count; i++) {
		pfd[i].fd = open_conn(host);
		pfd[i].events = POLLOUT;
	}
	open_left = count;
	while (open_left > 0 && elapsed_ms(&start) < wait_ms) {
		if (poll(pfd, (nfds_t)count, 100) <= 0)
			continue;
		for (i = 0; i < count; i++) {
			if (pfd[i].fd == -1 || pfd[i].revents == 0)
				continue;
			if (pfd[i].events == POLLOUT) {
				int err = 0;
				socklen_t len = sizeof(err);

				getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR,
				    &err, &len);
				if (err != 0) {
					close(pfd[i].fd);
					pfd[i].fd = -1;
					open_left--;
					continue;
				}
				connected++;
				pfd[i].events = POLLIN;
				continue;
			}
			r = read(pfd[i].fd, buf, sizeof(buf));
			if (r > 0) {
				if (!seen[i]++)
					answered++;
				continue;
			}
			if (r == -1 && errno == EAGAIN)
				continue;
			closed++;
			close(pfd[i].fd);
			pfd[i].fd = -1;
			open_left--;
		}
	}
	printf("connected %d answered %d closed %d\n", connected, answered,
	    closed);
	return 0;
}

static int
slow(const char *host)
{
	static const char dribble[] = "EHLO slow.example.test";
	struct timespec start;
	struct pollfd pfd;
	char buf[512], last[512] = "";
	size_t sent = 0;
	ssize_t r;

	clock_gettime(CLOCK_MONOTONIC, &start);
	pfd.fd = open_conn(host);
	pfd.events = POLLIN;
	while (elapsed_ms(&start) < wait_ms) {
		if (poll(&pfd, 1, 200) > 0) {
			r = read(pfd.fd, buf, sizeof(buf) - 1);
			if (r <= 0) {
				printf("closed after %ld ms: %s\n",
				    elapsed_ms(&start), last);
				return 0;
			}
			buf[r] = '\0';
			buf[strcspn(buf, "\r\n")] = '\0';
			snprintf(last, sizeof(last), "%s", buf);
			continue;
		}
		/* One byte, never the end of the line. */
		if (write(pfd.fd, dribble + sent % (sizeof(dribble) - 1), 1) ==
		    1)
			sent++;
	}
	printf("open after %ld ms: %s\n", elapsed_ms(&start), last);
	return 0;
}

static int
usage(void)
{
	fprintf(stderr, "usage: fakeclient [-b source] [-w ms] smtp address "
	    "helo sender recipient...\n"
	    "       fakeclient [-b source] [-w ms] flood address count\n"
	    "       fakeclient [-b source] [-w ms] slow address\n");
	return 3;
}

int
main(int argc, char *argv[])
{
	int ch;

	while ((ch = getopt(argc, argv, "b:w:")) != -1) {
		switch (ch) {
		case 'b':
			source = optarg;
			break;
		case 'w':
			if ((wait_ms = atoi(optarg)) <= 0)
				return usage();
			break;
		default:
			return usage();
		}
	}
	argc -= optind;
	argv += optind;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 5 && strcmp(argv[0], "smtp") == 0)
		return smtp(argv[1], argv + 2, argc - 2);
	if (argc == 3 && strcmp(argv[0], "flood") == 0 && atoi(argv[2]) > 0)
		return flood(argv[1], atoi(argv[2]));
	if (argc == 2 && strcmp(argv[0], "slow") == 0)
		return slow(argv[1]);
	return usage();
}
