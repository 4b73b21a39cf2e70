/*
 * The sync backend that talks to Redis or Valkey, with hiredis's
 * synchronous API, in the sync engine's thread (sync.c): nothing here
 * runs on the decision path, so waiting on the server costs no verdict.
 *
 * Two connections: one subscribed to the channel, read whenever poll(2)
 * says so, and one for commands.  On every connection the thread
 * subscribes first, then loads every stored entry (SCAN and MGET, in
 * batches), so that nothing published meanwhile is missed, and only then
 * publishes what the owner queued.  Each event to send is one PUBLISH and
 * one SET ... PXAT (or DEL), pipelined in batches.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "log.h"
#include "sync_backend.h"

/* Events sent in one pipelined batch; keys asked for in one SCAN step. */
#define BATCH		256
#define SCAN_COUNT	"1000"
/* Keys asked for in one MGET. */
#define MGET_MAX	1024
#define CONNECT_TIMEOUT	2
/* The owner answers between packets; it may be starting up still. */
#define OWNER_TIMEOUT	10

bool
sync_backend_available(void)
{
	return true;
}

/* A reply that is an error, or none: its text in err. */
static bool
failed(redisContext *c, redisReply *r, char *err, size_t errlen)
{
	if (r == NULL) {
		seterr(err, errlen, "%s", c->errstr[0] ? c->errstr :
		    "connection lost");
		return true;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		seterr(err, errlen, "%.*s", (int)r->len, r->str);
		return true;
	}
	return false;
}

/* One command whose reply only has to be no error. */
static int
simple(redisContext *c, char *err, size_t errlen, const char *fmt, ...)
{
	redisReply *r;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	rc = failed(c, r, err, errlen) ? -1 : 0;
	if (r != NULL)
		freeReplyObject(r);
	return rc;
}

/*
 * A socket from the owner (a confined process cannot open one): wait
 * until it is connected, then hand it to hiredis, blocking.  Its
 * timeouts were set by whoever opened it.
 */
static redisContext *
owner_socket(struct sync *s, char *err, size_t errlen)
{
	struct pollfd pfd;
	redisContext *c;
	socklen_t len = sizeof(int);
	int fd, e = 0, fl;

	if ((fd = sync_io_fd(s, OWNER_TIMEOUT * 1000, err, errlen)) == -1)
		return NULL;
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, CONNECT_TIMEOUT * 1000) != 1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1 || e != 0 ||
	    (fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1) {
		seterr(err, errlen, "%s", e != 0 ? strerror(e) :
		    "connection timed out");
		close(fd);
		return NULL;
	}
	if ((c = redisConnectFd(fd)) == NULL)
		close(fd);
	return c;
}

/* A connection, authenticated, on the right database. */
static redisContext *
open_one(struct sync *s, char *err, size_t errlen)
{
	const struct sync_config *cfg = sync_io_config(s);
	const struct sync_url *u = &cfg->url;
	struct timeval tv = { CONNECT_TIMEOUT, 0 };
	redisContext *c;

	if (cfg->owner_connects)
		c = owner_socket(s, err, errlen);
	else
		c = u->is_unix ? redisConnectUnixWithTimeout(u->path, tv) :
		    redisConnectWithTimeout(u->host, u->port, tv);
	if (c == NULL) {
		if (!cfg->owner_connects)
			seterr(err, errlen, "out of memory");
		return NULL;
	}
	if (c->err) {
		seterr(err, errlen, "%s", c->errstr);
		goto fail;
	}
	/* A server that stops answering must not hold the thread forever. */
	if (!cfg->owner_connects && redisSetTimeout(c, tv) != REDIS_OK) {
		seterr(err, errlen, "cannot set a timeout");
		goto fail;
	}
	if (u->password[0] != '\0' && (u->user[0] != '\0' ?
	    simple(c, err, errlen, "AUTH %s %s", u->user, u->password) :
	    simple(c, err, errlen, "AUTH %s", u->password)) == -1)
		goto fail;
	if (u->db != 0 && simple(c, err, errlen, "SELECT %d", u->db) == -1)
		goto fail;
	return c;
fail:
	redisFree(c);
	return NULL;
}

struct conn {
	redisContext	*cmd;
	redisContext	*sub;
};

static void
conn_close(struct conn *k)
{
	if (k->cmd != NULL)
		redisFree(k->cmd);
	if (k->sub != NULL)
		redisFree(k->sub);
	k->cmd = k->sub = NULL;
}

/* One message of the subscription: ["message", channel, payload]. */
static void
message(struct sync *s, redisReply *r)
{
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
	    r->element[0]->type == REDIS_REPLY_STRING &&
	    strcmp(r->element[0]->str, "message") == 0 &&
	    r->element[2]->type == REDIS_REPLY_STRING)
		sync_io_received(s, r->element[2]->str, r->element[2]->len,
		    false);
	else
		sync_io_error(s);
}

/* The values of keys[0..n) to the owner, counted in *loaded. */
static int
load_values(struct sync *s, struct conn *k, redisReply **keys, size_t n,
    size_t *loaded, char *err, size_t errlen)
{
	const char *argv[1 + MGET_MAX];
	size_t lens[1 + MGET_MAX], i, argc = 1;
	redisReply *v;

	argv[0] = "MGET";
	lens[0] = 4;
	for (i = 0; i < n; i++) {
		if (keys[i]->type != REDIS_REPLY_STRING)
			continue;
		argv[argc] = keys[i]->str;
		lens[argc++] = keys[i]->len;
	}
	if (argc == 1)
		return 0;
	v = redisCommandArgv(k->cmd, (int)argc, argv, lens);
	if (failed(k->cmd, v, err, errlen)) {
		if (v != NULL)
			freeReplyObject(v);
		return -1;
	}
	for (i = 0; v->type == REDIS_REPLY_ARRAY && i < v->elements; i++) {
		/* Gone since the SCAN: nil. */
		if (v->element[i]->type != REDIS_REPLY_STRING)
			continue;
		sync_io_received(s, v->element[i]->str, v->element[i]->len,
		    true);
		(*loaded)++;
	}
	freeReplyObject(v);
	return 0;
}

/*
 * Every live entry of the store, to the owner.  COUNT is a hint: a SCAN
 * step may return more keys, all taken, MGET_MAX at a time.
 */
static int
load_store(struct sync *s, struct conn *k, char *err, size_t errlen)
{
	const struct sync_config *cfg = sync_io_config(s);
	char cursor[32] = "0", pattern[SYNC_NAME_MAX + 3];
	redisReply *r;
	size_t loaded = 0, i, n;

	snprintf(pattern, sizeof(pattern), "%s:*", cfg->channel);
	do {
		r = redisCommand(k->cmd, "SCAN %s MATCH %s COUNT " SCAN_COUNT,
		    cursor, pattern);
		if (failed(k->cmd, r, err, errlen))
			goto fail;
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[0]->type != REDIS_REPLY_STRING ||
		    r->element[0]->len >= sizeof(cursor) ||
		    r->element[1]->type != REDIS_REPLY_ARRAY) {
			seterr(err, errlen, "unexpected SCAN reply");
			goto fail;
		}
		snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
		for (i = 0; i < r->element[1]->elements; i += n) {
			n = r->element[1]->elements - i;
			if (n > MGET_MAX)
				n = MGET_MAX;
			if (load_values(s, k, r->element[1]->element + i, n,
			    &loaded, err, errlen) == -1)
				goto fail;
		}
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0 && !sync_io_stopping(s));
	log_info("sync: %zu stored entries read", loaded);
	return 0;
fail:
	if (r != NULL)
		freeReplyObject(r);
	return -1;
}

/*
 * The messages hiredis has read already: the SUBSCRIBE reply's read may
 * have brought some, and poll(2) would not tell of them.
 */
static int
buffered_messages(struct sync *s, struct conn *k, char *err, size_t errlen)
{
	void *r;

	for (;;) {
		if (redisGetReplyFromReader(k->sub, &r) != REDIS_OK) {
			seterr(err, errlen, "%s", k->sub->errstr);
			return -1;
		}
		if (r == NULL)
			return 0;
		message(s, r);
		freeReplyObject(r);
	}
}

static int
connect_all(struct sync *s, struct conn *k, char *err, size_t errlen)
{
	const struct sync_config *cfg = sync_io_config(s);

	if ((k->sub = open_one(s, err, errlen)) == NULL ||
	    (k->cmd = open_one(s, err, errlen)) == NULL ||
	    simple(k->sub, err, errlen, "SUBSCRIBE %s", cfg->channel) == -1 ||
	    load_store(s, k, err, errlen) == -1 ||
	    buffered_messages(s, k, err, errlen) == -1) {
		conn_close(k);
		return -1;
	}
	return 0;
}

/* What the subscription has for us; -1 when the connection is gone. */
static int
read_channel(struct sync *s, struct conn *k, char *err, size_t errlen)
{
	if (redisBufferRead(k->sub) != REDIS_OK) {
		seterr(err, errlen, "%s", k->sub->errstr[0] ?
		    k->sub->errstr : "connection lost");
		return -1;
	}
	return buffered_messages(s, k, err, errlen);
}

/* One batch of the queue, pipelined; -1 when the connection is gone. */
static int
publish(struct sync *s, struct conn *k, char *err, size_t errlen)
{
	static struct log_ratelimit rl;
	const struct sync_config *cfg = sync_io_config(s);
	struct sync_event ev[BATCH];
	char line[SYNC_EVENT_MAX + 1], key[SYNC_KEY_MAX + 1], why[128];
	size_t i, n;
	redisReply *r;
	int len, nreplies = 0;

	if ((n = sync_io_peek(s, ev, BATCH)) == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if ((len = sync_event_format(&ev[i], line, sizeof(line))) ==
		    -1 || sync_event_key(cfg->channel, &ev[i].addr,
		    ev[i].prefix, key, sizeof(key)) == -1) {
			/* The owner's events are checked: cannot happen. */
			sync_io_error(s);
			continue;
		}
		redisAppendCommand(k->cmd, "PUBLISH %s %b", cfg->channel, line,
		    (size_t)len);
		if (ev[i].op == SYNC_ADD)
			redisAppendCommand(k->cmd, "SET %s %b PXAT %lld", key,
			    line, (size_t)len, (long long)ev[i].ms);
		else
			redisAppendCommand(k->cmd, "DEL %s", key);
		nreplies += 2;
	}
	for (; nreplies > 0; nreplies--) {
		if (redisGetReply(k->cmd, (void **)&r) != REDIS_OK) {
			seterr(err, errlen, "%s", k->cmd->errstr);
			return -1;
		}
		if (failed(k->cmd, r, why, sizeof(why))) {
			sync_io_error(s);
			log_warn_limited(&rl, (int64_t)time(NULL),
			    "sync: server refused: %s", why);
		}
		freeReplyObject(r);
	}
	sync_io_sent(s, n);
	return 0;
}

void
sync_backend_run(struct sync *s)
{
	const struct sync_config *cfg = sync_io_config(s);
	struct conn k = { NULL, NULL };
	char err[256];
	bool alone = false;	/* an outage was logged */
	int pause = 0, w;

	while (!sync_io_stopping(s)) {
		if (k.cmd == NULL) {
			if (connect_all(s, &k, err, sizeof(err)) == -1) {
				sync_io_error(s);
				if (!alone)
					log_warnx("sync: %s: %s; deciding "
					    "alone until it is back",
					    cfg->where, err);
				alone = true;
				pause = pause == 0 ? 250 : pause * 2;
				if (pause > SYNC_BACKOFF_MAX_MS)
					pause = SYNC_BACKOFF_MAX_MS;
				sync_io_sleep(s, pause);
				continue;
			}
			if (alone)
				log_notice("sync: %s is back", cfg->where);
			else
				log_info("sync: connected to %s, channel %s, "
				    "as %s", cfg->where, cfg->channel,
				    cfg->gate);
			alone = false;
			pause = 0;
			sync_io_connected(s, true);
		}
		w = sync_io_wait(s, k.sub->fd, 1000);
		if (((w & SYNC_IO_READABLE) &&
		    read_channel(s, &k, err, sizeof(err)) == -1) ||
		    ((w & SYNC_IO_PENDING) &&
		    publish(s, &k, err, sizeof(err)) == -1)) {
			sync_io_error(s);
			sync_io_connected(s, false);
			log_warnx("sync: lost %s: %s; deciding alone until it "
			    "is back", cfg->where, err);
			alone = true;
			conn_close(&k);
		}
	}
	conn_close(&k);
}
