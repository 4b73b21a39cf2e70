/*
 * redisref: the reference of bench/sync.sh, the least a gate-to-gate
 * exchange through Redis can cost: a publisher and a subscriber on the
 * same server, each event the same size as mxallowd's and sent as
 * mxallowd sends it (PUBLISH, and SET ... PXAT), with hiredis.
 *
 *   redisref -s socket -n count lat
 *	one event at a time: the time from sending it to the subscriber
 *	having it; prints the median and 99th percentile in microseconds.
 *   redisref -s socket -n count rate
 *	count events pipelined in batches of 256 (as mxallowd's thread
 *	does) to a subscriber in another process that does not read yet;
 *	then it reads them all: events per second from its start to the
 *	last (the server holds them meanwhile, as it does for a gate that
 *	was busy).
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#define CHANNEL	"mxallowd-ref"

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static redisContext *
open_one(const char *path)
{
	redisContext *c = redisConnectUnix(path);

	if (c == NULL || c->err)
		errx(2, "%s: %s", path, c ? c->errstr : "out of memory");
	return c;
}

static void
subscribe(redisContext *c)
{
	redisReply *r = redisCommand(c, "SUBSCRIBE " CHANNEL);

	if (r == NULL || r->type == REDIS_REPLY_ERROR)
		errx(2, "subscribe");
	freeReplyObject(r);
}

/* An event the size of mxallowd's for an IPv6 sender. */
static int
event(char *buf, size_t len, char *key, size_t klen, long i, long long *ms)
{
	*ms = (long long)time(NULL) * 1000 + 3600000;
	snprintf(key, klen, "ref:2001:db8:ffff::%lx/128", i);
	return snprintf(buf, len, "mxallowd/1 gate-a add 2001:db8:ffff::%lx/128 "
	    "%lld", i, *ms);
}

static void
append(redisContext *c, long i)
{
	char line[128], key[64];
	long long ms;
	int n = event(line, sizeof(line), key, sizeof(key), i, &ms);

	redisAppendCommand(c, "PUBLISH " CHANNEL " %b", line, (size_t)n);
	redisAppendCommand(c, "SET %s %b PXAT %lld", key, line, (size_t)n, ms);
}

static void
replies(redisContext *c, long n)
{
	void *r;

	for (; n > 0; n--) {
		if (redisGetReply(c, &r) != REDIS_OK)
			errx(2, "reply: %s", c->errstr);
		freeReplyObject(r);
	}
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
latency(const char *path, long n)
{
	redisContext *pub = open_one(path), *sub = open_one(path);
	double *lat = calloc((size_t)n, sizeof(*lat)), t0;
	void *r;
	long i;

	if (lat == NULL)
		err(2, "calloc");
	subscribe(sub);
	for (i = 0; i < n; i++) {
		t0 = now_us();
		append(pub, i);
		replies(pub, 2);
		if (redisGetReply(sub, &r) != REDIS_OK)
			errx(2, "subscriber: %s", sub->errstr);
		lat[i] = now_us() - t0;
		freeReplyObject(r);
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp);
	printf("p50_us %.0f p99_us %.0f\n", lat[(n - 1) / 2],
	    lat[(long)((n - 1) * 0.99)]);
	free(lat);
	redisFree(pub);
	redisFree(sub);
}

static void
rate(const char *path, long n)
{
	redisContext *pub, *sub;
	int ready[2], go[2], done[2];
	double t0, t1;
	pid_t pid;
	void *r;
	long i, j;
	char c;

	if (pipe(ready) == -1 || pipe(go) == -1 || pipe(done) == -1)
		err(2, "pipe");
	if ((pid = fork()) == -1)
		err(2, "fork");
	if (pid == 0) {
		sub = open_one(path);
		subscribe(sub);
		(void)!write(ready[1], "r", 1);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		for (i = 0; i < n; i++) {
			if (redisGetReply(sub, &r) != REDIS_OK)
				errx(2, "subscriber: %s", sub->errstr);
			freeReplyObject(r);
		}
		t1 = now_us();
		(void)!write(done[1], &t1, sizeof(t1));
		_exit(0);
	}
	if (read(ready[0], &c, 1) != 1)
		errx(2, "subscriber did not start");
	pub = open_one(path);
	for (i = 0; i < n; i += 256) {
		for (j = i; j < n && j < i + 256; j++)
			append(pub, j);
		replies(pub, 2 * (j - i));
	}
	t0 = now_us();
	(void)!write(go[1], "g", 1);
	if (read(done[0], &t1, sizeof(t1)) != sizeof(t1))
		errx(2, "subscriber failed");
	waitpid(pid, NULL, 0);
	printf("events_per_s %.0f\n", (double)n / ((t1 - t0) / 1e6));
	redisFree(pub);
}

int
main(int argc, char *argv[])
{
	const char *path = NULL;
	long n = 0;
	int ch;

	while ((ch = getopt(argc, argv, "s:n:")) != -1) {
		switch (ch) {
		case 's': path = optarg; break;
		case 'n': n = atol(optarg); break;
		default: goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (path == NULL || n <= 0 || argc != 1)
		goto usage;
	if (strcmp(argv[0], "lat") == 0)
		latency(path, n);
	else if (strcmp(argv[0], "rate") == 0)
		rate(path, n);
	else
		goto usage;
	return 0;
usage:
	fprintf(stderr, "usage: redisref -s socket -n count lat|rate\n");
	return 2;
}
