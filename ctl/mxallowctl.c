/*
 * mxallowctl: a client of mxallowd's control socket.  It sends one
 * request line and prints the data lines of the answer until the end
 * marker (common/control_proto.h has the protocol; this file shares no
 * code with the daemon, so that it builds anywhere).
 *
 * Exit status: 0 done, 1 the daemon refused (its reason on standard
 * error), 2 the daemon could not be reached or broke off.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_SOCKET	"/var/run/mxallowd.sock"
/* Where the systemd unit puts it: /run is read-only there. */
#define UNIT_SOCKET	"/run/mxallowd/mxallowd.sock"
#define LINE_MAX_LEN	1024
#define WAIT_MS		30000	/* a reload or a long listing may take time */
#define EXIT_REFUSED	1
#define EXIT_UNREACHED	2

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: mxallowctl [-fj] [-s socket] command "
	    "[argument ...]\n"
	    "commands: show stats | show whitelist [address[/prefix]] |\n"
	    "          show blocked | show suspects | show allow |\n"
	    "          show tried [address] |\n"
	    "          add address[/prefix] [seconds] | "
	    "delete address[/prefix] |\n"
	    "          flush (with -f) | reload | log debug|info|quiet\n");
	exit(EXIT_UNREACHED);
}

/* The request line: the words, space-separated, "json" first with -j. */
static void
build_request(char *buf, size_t len, int argc, char **argv, bool json,
    bool force)
{
	size_t used = 0;
	int i, n;

	buf[0] = '\0';
	if (json)
		used = (size_t)snprintf(buf, len, "json ");
	for (i = 0; i < argc; i++) {
		if (strchr(argv[i], '\n') != NULL)
			errx(EXIT_UNREACHED, "a newline in an argument");
		n = snprintf(buf + used, len - used, "%s%s", i ? " " : "",
		    argv[i]);
		if (n < 0 || (size_t)n >= len - used)
			errx(EXIT_UNREACHED, "command too long");
		used += (size_t)n;
	}
	if (force && argc == 1 && strcmp(argv[0], "flush") == 0) {
		n = snprintf(buf + used, len - used, " force");
		if (n < 0 || (size_t)n >= len - used)
			errx(EXIT_UNREACHED, "command too long");
		used += (size_t)n;
	}
	if (used + 1 >= len)
		errx(EXIT_UNREACHED, "command too long");
	buf[used++] = '\n';
	buf[used] = '\0';
}

/* A connected socket, or -1 with errno set. */
static int
try_connect(const char *path)
{
	struct sockaddr_un sun;
	int fd, saved;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		errx(EXIT_UNREACHED, "%s: name too long", path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		err(EXIT_UNREACHED, "socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/*
 * The socket named by -s; without -s the default, then the systemd
 * unit's, when nothing answers at the default.  Whatever failed first is
 * what is reported.
 */
static int
connect_to(const char *path)
{
	int fd, first;

	if (path != NULL) {
		if ((fd = try_connect(path)) == -1)
			err(EXIT_UNREACHED, "connect %s", path);
		return fd;
	}
	if ((fd = try_connect(DEFAULT_SOCKET)) != -1)
		return fd;
	first = errno;
	if ((first == ENOENT || first == ECONNREFUSED) &&
	    (fd = try_connect(UNIT_SOCKET)) != -1)
		return fd;
	if (first == ENOENT && errno != ENOENT)
		err(EXIT_UNREACHED, "connect %s", UNIT_SOCKET);
	errno = first;
	err(EXIT_UNREACHED, "connect %s", DEFAULT_SOCKET);
}

static void
send_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			err(EXIT_UNREACHED, "write");
		}
		buf += n;
		len -= (size_t)n;
	}
}

/* One answer line: 1 at the end marker, else print it; *status on error. */
static int
take_line(char *line, int *status)
{
	if (strcmp(line, "end") == 0)
		return 1;
	if (strncmp(line, "error: ", 7) == 0) {
		fprintf(stderr, "mxallowctl: %s\n", line + 7);
		*status = EXIT_REFUSED;
	} else
		printf("%s\n", line);
	return 0;
}

/* Print data lines; 0 at the end marker, 1 after an error line. */
static int
read_answer(int fd)
{
	struct pollfd pfd;
	char buf[8192], *nl, *start;
	size_t have = 0;
	ssize_t n;
	int status = 0;

	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		if (have == sizeof(buf))
			errx(EXIT_UNREACHED, "an answer line too long");
		if (poll(&pfd, 1, WAIT_MS) == 0)
			errx(EXIT_UNREACHED, "no answer from mxallowd");
		if ((n = read(fd, buf + have, sizeof(buf) - have)) == -1) {
			if (errno == EINTR)
				continue;
			err(EXIT_UNREACHED, "read");
		}
		if (n == 0)
			errx(EXIT_UNREACHED, "mxallowd broke off its answer");
		have += (size_t)n;
		start = buf;
		while ((nl = memchr(start, '\n', have - (size_t)(start - buf)))
		    != NULL) {
			*nl = '\0';
			if (take_line(start, &status)) {
				close(fd);
				return status;
			}
			start = nl + 1;
		}
		have -= (size_t)(start - buf);
		memmove(buf, start, have);
	}
}

int
main(int argc, char *argv[])
{
	const char *path = NULL;
	char req[LINE_MAX_LEN + 1];
	bool json = false, force = false;
	int ch, fd;

	while ((ch = getopt(argc, argv, "fjs:")) != -1) {
		switch (ch) {
		case 'f':
			force = true;
			break;
		case 'j':
			json = true;
			break;
		case 's':
			path = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();
	build_request(req, sizeof(req), argc, argv, json, force);
	fd = connect_to(path);
	send_all(fd, req, strlen(req));
	return read_answer(fd);
}
