/*
 * The sync engine (sync.c, sync/redis.c) against a stand-in for
 * redis-server on a unix socket, in a thread of the test, that answers
 * the way a real server may: a message that follows the SUBSCRIBE reply
 * in the same read, and a SCAN step with more keys than its COUNT.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "sync.h"
#include "t.h"

/* Stored keys: more than one MGET of the engine takes (1024). */
#define STORED	1500

struct fake {
	int		 lfd;
	int		 stop[2];
	long long	 expiry;	/* ms, of every event */
	pthread_t	 thread;
};

static struct fake fk;

static void
put(int fd, const char *s, size_t len)
{
	ssize_t n;

	while (len > 0 && (n = write(fd, s, len)) > 0) {
		s += n;
		len -= (size_t)n;
	}
}

static void
bulk(char **p, size_t *left, const char *s)
{
	int n = snprintf(*p, *left, "$%zu\r\n%s\r\n", strlen(s), s);

	*p += n;
	*left -= (size_t)n;
}

/* One command of a connection; its answer in one write. */
static void
command(int fd, int argc, char **argv)
{
	size_t left = STORED * 128;
	char *out = malloc(left), *p = out, val[128], key[64];
	int i, n;

	if (out == NULL)
		return;
	if (strcasecmp(argv[0], "SUBSCRIBE") == 0) {
		/* The reply, and at once a message: one read takes both. */
		n = snprintf(p, left, "*3\r\n");
		p += n, left -= (size_t)n;
		bulk(&p, &left, "subscribe");
		bulk(&p, &left, argv[1]);
		n = snprintf(p, left, ":1\r\n*3\r\n");
		p += n, left -= (size_t)n;
		bulk(&p, &left, "message");
		bulk(&p, &left, argv[1]);
		snprintf(val, sizeof(val), "mxallowd/1 gate-x add "
		    "203.0.113.7/32 %lld", fk.expiry);
		bulk(&p, &left, val);
	} else if (strcasecmp(argv[0], "SCAN") == 0) {
		/* All keys in one step: a server may return more than COUNT. */
		n = snprintf(p, left, "*2\r\n$1\r\n0\r\n*%d\r\n", STORED);
		p += n, left -= (size_t)n;
		for (i = 0; i < STORED; i++) {
			snprintf(key, sizeof(key), "mxallowd:2001:db8::%x/128",
			    i + 1);
			bulk(&p, &left, key);
		}
	} else if (strcasecmp(argv[0], "MGET") == 0) {
		n = snprintf(p, left, "*%d\r\n", argc - 1);
		p += n, left -= (size_t)n;
		for (i = 1; i < argc; i++) {
			char *slash, *addr = strchr(argv[i], ':') + 1;

			slash = strchr(addr, '/');
			snprintf(val, sizeof(val), "mxallowd/1 gate-x add "
			    "%.*s/128 %lld", (int)(slash - addr), addr,
			    fk.expiry);
			bulk(&p, &left, val);
		}
	} else
		n = snprintf(p, left, "-ERR unknown\r\n"), p += n;
	put(fd, out, (size_t)(p - out));
	free(out);
}

/* A connection's commands, until it closes or the test ends. */
static void *
serve(void *arg)
{
	/* Each connection's thread its own. */
	char *buf = malloc(1 << 18), **argv = calloc(STORED + 2,
	    sizeof(*argv));
	int fd = (int)(long)arg, argc, n, k;
	struct pollfd pfd[2];
	size_t have = 0;
	char *p, *q, *nl, *end;
	long len;
	ssize_t r;

	for (; buf != NULL && argv != NULL;) {
		pfd[0].fd = fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = fk.stop[0];
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, 1000) <= 0)
			continue;
		if (pfd[1].revents != 0 || (r = read(fd, buf + have,
		    (1 << 18) - 1 - have)) <= 0)
			break;
		have += (size_t)r;
		end = buf + have;
		for (p = buf;; p = q) {
			q = p;
			if (q >= end || *q != '*' || (nl = memchr(q, '\n',
			    (size_t)(end - q))) == NULL)
				break;
			n = atoi(q + 1);
			q = nl + 1;
			for (argc = 0, k = 0; k < n && k < STORED + 2; k++) {
				if (q >= end || *q != '$' || (nl = memchr(q,
				    '\n', (size_t)(end - q))) == NULL)
					break;
				len = atol(q + 1);
				q = nl + 1;
				if (end - q < len + 2)
					break;
				q[len] = '\0';
				argv[argc++] = q;
				q += len + 2;
			}
			if (argc != n || n == 0)
				break;
			command(fd, argc, argv);
		}
		have = (size_t)(end - p);
		memmove(buf, p, have);
	}
	close(fd);
	free(buf);
	free(argv);
	return NULL;
}

/* One connection of the engine (subscriber or commands). */
static void *
serve_one(void *arg)
{
	int fd;

	(void)arg;
	if ((fd = accept(fk.lfd, NULL, NULL)) == -1)
		return NULL;
	return serve((void *)(long)fd);
}

/* The other end has not closed the connection (what it sent is read). */
static bool
still_open(int fd)
{
	char b[4096];
	ssize_t n;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	while ((n = read(fd, b, sizeof(b))) > 0)
		;
	return n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/*
 * A reload's new server: the old engine is abandoned, not waited for.
 * Its server here accepts and never answers, so the engine's thread sits
 * in a read until its socket times out; sync_abandon() must return while
 * the thread still holds that connection open (sync_stop() would wait).
 */
static void
test_abandon(const char *dir, struct sync_config *sc)
{
	struct sockaddr_un sun;
	struct pollfd pfd;
	struct sync *s;
	char err[256], url[256];
	int lfd, fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/mute.sock", dir);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(lfd, 4) == -1) {
		CHECK(0, "a mute server");
		return;
	}
	snprintf(url, sizeof(url), "unix://%s", sun.sun_path);
	if (sync_url_parse(url, &sc->url, err, sizeof(err)) == -1) {
		CHECK(0, "its URL (%s)", err);
		return;
	}
	s = sync_start(sc, err, sizeof(err));
	pfd.fd = lfd;
	pfd.events = POLLIN;
	fd = s != NULL && poll(&pfd, 1, 5000) == 1 ? accept(lfd, NULL, NULL) :
	    -1;
	CHECK(fd != -1, "the engine connects to a server that never answers");
	/* Its first command came: it waits for the answer, in a read. */
	pfd.fd = fd;
	pfd.events = POLLIN;
	CHECK(fd != -1 && poll(&pfd, 1, 5000) == 1,
	    "and sends it a command");
	usleep(100000);
	sync_abandon(s);
	CHECK(fd != -1 && still_open(fd),
	    "sync_abandon() returns while the engine still waits for the "
	    "server: a reload does not wait for it");
	/* Now let it end: it frees itself. */
	if (fd != -1)
		close(fd);
	close(lfd);
	usleep(300000);
	unlink(sun.sun_path);
}

int
main(void)
{
	struct sockaddr_un sun;
	struct sync_config sc;
	struct sync *s;
	struct pollfd pfd;
	static struct sync_event ev[2048];
	char dir[] = "/tmp/test_sync.XXXXXX", url[256], err[256];
	size_t n, stored = 0, message = 0;
	int64_t deadline;
	pthread_t t[2];
	int c;

	if (!sync_available()) {
		printf("ok 1 # SKIP built without hiredis\n1..1\n");
		return 0;
	}
	if (mkdtemp(dir) == NULL || pipe(fk.stop) == -1)
		return 1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/redis.sock", dir);
	if ((fk.lfd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(fk.lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fk.lfd, 4) == -1)
		return 1;
	fk.expiry = sync_wall_ms() + 60000;

	/* Each connection served by its own thread: both are used at once. */
	for (c = 0; c < 2; c++)
		if (pthread_create(&t[c], NULL, serve_one, NULL) != 0)
			return 1;

	memset(&sc, 0, sizeof(sc));
	snprintf(url, sizeof(url), "unix://%s", sun.sun_path);
	CHECK(sync_url_parse(url, &sc.url, err, sizeof(err)) == 0,
	    "the stand-in's URL parses");
	snprintf(sc.where, sizeof(sc.where), "%s", url);
	snprintf(sc.channel, sizeof(sc.channel), "mxallowd");
	snprintf(sc.gate, sizeof(sc.gate), "gate-t");
	sc.whitelist_ms = 600000;
	sc.queue_size = 1024;
	s = sync_start(&sc, err, sizeof(err));
	CHECK(s != NULL, "the engine starts (%s)", s == NULL ? err : "ok");
	if (s == NULL)
		return T_DONE();
	/* Everything within 10 s. */
	deadline = sync_wall_ms() + 10000;
	while ((stored < STORED || message == 0) &&
	    sync_wall_ms() < deadline) {
		pfd.fd = sync_fd(s);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 100) != 1)
			continue;
		while ((n = sync_take(s, ev, 2048)) > 0)
			for (c = 0; c < (int)n; c++) {
				if (addr_is_v4(&ev[c].addr))
					message++;
				else
					stored++;
			}
	}
	CHECK(stored == STORED, "every stored entry is loaded, though one "
	    "SCAN step held more than an MGET takes (%zu of %d)", stored,
	    STORED);
	CHECK(message == 1, "a message that came with the SUBSCRIBE reply "
	    "is taken without waiting for another (%zu)", message);
	sync_stop(s);
	test_abandon(dir, &sc);
	put(fk.stop[1], "x", 1);
	for (c = 0; c < 2; c++)
		pthread_join(t[c], NULL);
	close(fk.lfd);
	unlink(sun.sun_path);
	rmdir(dir);
	return T_DONE();
}
