/*
 * The resolver: a pool of worker threads behind a bounded job queue.
 *
 * Threads and ownership: the job queue and the result list are shared and
 * guarded by one mutex; everything else (the cache, the whitelist, the
 * statistics) belongs to the main thread alone.  Workers call only
 * getnameinfo(3) and getaddrinfo(3), which are thread-safe, and hand their
 * results back through the list, waking the main loop with a byte on a
 * pipe.  Resolver timeouts are the system resolver's: resolv.conf
 * "options timeout:N attempts:N".
 *
 * The cache remembers, per sender, what the last lookup found (or that it
 * failed) for cache_time seconds, so a busy sender costs one lookup, not one
 * per connection.  It is an expiring address table (whitelist.c) whose
 * values are slots in a ring of records; as every record lives cache_time,
 * the ring's oldest slot is always the next to go.
 *
 * A resolver made by resolver_connect() has none of this: its lookups run
 * in the resolver process, and every call below goes to the client in
 * resolver_remote.c.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "resolver.h"
#include "resolver_msg.h"
#include "whitelist.h"

/* A lookup in flight is remembered this long, against duplicates. */
#define PENDING_TIME	120

enum record_state { RECORD_FREE, RECORD_PENDING, RECORD_DONE };

struct record {
	enum record_state	 state;
	enum resolver_status	 status;
	struct mx_addr		 sender;
	char			*name;
	struct mx_addr		*addrs;
	size_t			 count;
};

struct job {
	struct mx_addr	sender;
	int64_t		expires;
};

struct result {
	struct result		*next;
	struct mx_addr		 sender;
	int64_t			 expires;
	enum resolver_status	 status;
	char			 name[RESOLVER_NAME_SIZE];
	size_t			 count;
	struct mx_addr		 addrs[];
};

struct resolver {
	/* resolver_connect()'s: when set, nothing below is used. */
	struct resolver_client	*client;
	struct resolver_config	 cfg;
	/* Shared with the workers, under lock. */
	pthread_mutex_t		 lock;
	pthread_cond_t		 work;
	pthread_cond_t		 idle;
	struct job		*jobs;
	size_t			 job_head;
	size_t			 job_count;
	struct result		*results;
	struct result		**results_tail;
	unsigned		 running;
	bool			 stopping;
	int			 wake[2];
	/* The main thread's. */
	pthread_t		*threads;
	unsigned		 started;
	struct whitelist	*cache;
	struct record		*records;
	size_t			 next_record;
	size_t			 in_flight;
};

static size_t
sockaddr_of(const struct mx_addr *addr, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (addr_is_v4(addr)) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, addr->a + 12, 4);
		return sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, addr->a, 16);
		return sizeof(*sin6);
	}
}

static bool
addr_of(const struct addrinfo *ai, struct mx_addr *addr)
{
	if (ai->ai_family == AF_INET)
		addr_from_v4(addr,
		    &((const struct sockaddr_in *)ai->ai_addr)->sin_addr);
	else if (ai->ai_family == AF_INET6)
		addr_from_v6(addr,
		    &((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr);
	else
		return false;
	return true;
}

static int
system_name_of(const struct sockaddr *sa, unsigned len, char *name,
    size_t namelen)
{
	return getnameinfo(sa, (socklen_t)len, name, (socklen_t)namelen, NULL,
	    0, NI_NAMEREQD);
}

static int
system_addrs_of(const char *name, struct addrinfo **res)
{
	struct addrinfo hints;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	return getaddrinfo(name, NULL, &hints, res);
}

/*
 * The blocking part, run by a worker.  Every address of the name is looked
 * at for the forward confirmation, but at most max_addresses are kept.
 */
static void
lookup(const struct resolver_config *cfg, struct result *r)
{
	struct sockaddr_storage ss;
	struct addrinfo *res, *ai;
	struct mx_addrlist kept;
	struct mx_addr addr;
	bool confirmed = false;
	unsigned len;
	int rc;

	len = (unsigned)sockaddr_of(&r->sender, &ss);
	rc = cfg->name_of((struct sockaddr *)&ss, len, r->name,
	    sizeof(r->name));
	if (rc != 0) {
		r->status = rc == EAI_NONAME ? RESOLVER_NO_NAME :
		    RESOLVER_FAILED;
		r->name[0] = '\0';
		return;
	}
	if ((rc = cfg->addrs_of(r->name, &res)) != 0) {
		r->status = rc == EAI_NONAME ? RESOLVER_UNCONFIRMED :
		    RESOLVER_FAILED;
		return;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (!addr_of(ai, &addr))
			continue;
		if (addr_equal(&addr, &r->sender))
			confirmed = true;
		kept.addrs = r->addrs;
		kept.count = r->count;
		if (r->count < cfg->max_addresses &&
		    !addrlist_contains(&kept, &addr))
			r->addrs[r->count++] = addr;
	}
	cfg->free_addrs(res);
	r->status = RESOLVER_OK;
	if (cfg->forward_confirm && !confirmed) {
		r->status = RESOLVER_UNCONFIRMED;
		r->count = 0;
	}
}

static void *
worker(void *arg)
{
	struct resolver *rs = arg;
	struct result *r;
	struct job job;
	char byte = 0;

	pthread_mutex_lock(&rs->lock);
	for (;;) {
		while (rs->job_count == 0 && !rs->stopping)
			pthread_cond_wait(&rs->work, &rs->lock);
		if (rs->stopping)
			break;
		job = rs->jobs[rs->job_head];
		rs->job_head = (rs->job_head + 1) % rs->cfg.queue_size;
		rs->job_count--;
		pthread_mutex_unlock(&rs->lock);

		r = calloc(1, sizeof(*r) +
		    rs->cfg.max_addresses * sizeof(r->addrs[0]));
		if (r != NULL) {
			r->sender = job.sender;
			r->expires = job.expires;
			lookup(&rs->cfg, r);
		}

		pthread_mutex_lock(&rs->lock);
		if (r != NULL) {
			*rs->results_tail = r;
			rs->results_tail = &r->next;
			/* A full pipe already holds a wake-up. */
			(void)!write(rs->wake[1], &byte, 1);
		}
	}
	rs->running--;
	pthread_cond_signal(&rs->idle);
	pthread_mutex_unlock(&rs->lock);
	return NULL;
}

static void
record_clear(struct record *rec)
{
	free(rec->name);
	free(rec->addrs);
	memset(rec, 0, sizeof(*rec));
}

/* Forget what the cache holds for sender, if anything. */
static void
cache_forget(struct resolver *rs, const struct mx_addr *sender)
{
	uint32_t slot;

	if (!wl_get(rs->cache, sender, INT64_MIN, &slot))
		return;
	record_clear(&rs->records[slot]);
	wl_remove(rs->cache, sender);
}

/* Take the ring's next record, evicting the oldest entry if it is in use. */
static struct record *
cache_store(struct resolver *rs, const struct mx_addr *sender,
    int64_t expires)
{
	uint32_t slot = (uint32_t)rs->next_record;
	struct record *rec = &rs->records[slot];

	cache_forget(rs, sender);
	if (rec->state != RECORD_FREE) {
		wl_remove(rs->cache, &rec->sender);
		record_clear(rec);
	}
	rs->next_record = (rs->next_record + 1) % rs->cfg.cache_size;
	if (wl_insert_value(rs->cache, sender, expires, slot) == WL_NOMEM)
		return NULL;
	rec->sender = *sender;
	return rec;
}

struct resolver *
resolver_create(const struct resolver_config *cfg, uint64_t seed)
{
	struct resolver *rs;
	unsigned i;

	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return NULL;
	rs->cfg = *cfg;
	if (rs->cfg.name_of == NULL)
		rs->cfg.name_of = system_name_of;
	if (rs->cfg.addrs_of == NULL)
		rs->cfg.addrs_of = system_addrs_of;
	if (rs->cfg.free_addrs == NULL)
		rs->cfg.free_addrs = freeaddrinfo;
	rs->wake[0] = rs->wake[1] = -1;
	rs->results_tail = &rs->results;
	pthread_mutex_init(&rs->lock, NULL);
	pthread_cond_init(&rs->work, NULL);
	pthread_cond_init(&rs->idle, NULL);
	rs->jobs = calloc(cfg->queue_size, sizeof(*rs->jobs));
	rs->records = calloc(cfg->cache_size, sizeof(*rs->records));
	rs->threads = calloc(cfg->threads, sizeof(*rs->threads));
	rs->cache = wl_create(0, seed, NULL, NULL);
	if (rs->jobs == NULL || rs->records == NULL || rs->threads == NULL ||
	    rs->cache == NULL || pipe(rs->wake) == -1)
		goto fail;
	for (i = 0; i < 2; i++)
		if (fcntl(rs->wake[i], F_SETFL, O_NONBLOCK) == -1 ||
		    fcntl(rs->wake[i], F_SETFD, FD_CLOEXEC) == -1)
			goto fail;
	for (i = 0; i < cfg->threads; i++) {
		pthread_mutex_lock(&rs->lock);
		rs->running++;
		pthread_mutex_unlock(&rs->lock);
		if (pthread_create(&rs->threads[i], NULL, worker, rs) != 0) {
			pthread_mutex_lock(&rs->lock);
			rs->running--;
			pthread_mutex_unlock(&rs->lock);
			goto fail;
		}
		rs->started++;
	}
	return rs;
fail:
	resolver_destroy(rs);
	return NULL;
}

/*
 * A resolver whose lookups the resolver process at the other end of fd
 * makes (resolver_remote.c).  fd stays the caller's: resolver_destroy()
 * does not close it, and a later resolver_connect() on it reconfigures
 * the same process.
 */
struct resolver *
resolver_connect(int fd, const struct resolver_config *cfg, uint64_t seed)
{
	struct resolver *rs;

	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return NULL;
	if ((rs->client = resolver_client_create(fd, cfg, seed)) == NULL) {
		free(rs);
		return NULL;
	}
	return rs;
}

/*
 * Stop the workers.  One stuck in a lookup to a dead server is given two
 * seconds; after that it is left to the process's exit, with the shared
 * state it may still touch, rather than hold up the exit.
 */
void
resolver_destroy(struct resolver *rs)
{
	struct timespec deadline;
	struct result *r;
	size_t i;
	int rc = 0;
	unsigned t;

	if (rs == NULL)
		return;
	if (rs->client != NULL) {
		resolver_client_destroy(rs->client);
		free(rs);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 2;
	pthread_mutex_lock(&rs->lock);
	rs->stopping = true;
	pthread_cond_broadcast(&rs->work);
	while (rs->running > 0 && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&rs->idle, &rs->lock, &deadline);
	pthread_mutex_unlock(&rs->lock);
	if (rc == ETIMEDOUT)
		return;
	for (t = 0; t < rs->started; t++)
		pthread_join(rs->threads[t], NULL);
	while ((r = rs->results) != NULL) {
		rs->results = r->next;
		free(r);
	}
	for (i = 0; rs->records != NULL && i < rs->cfg.cache_size; i++)
		record_clear(&rs->records[i]);
	if (rs->wake[0] != -1)
		close(rs->wake[0]);
	if (rs->wake[1] != -1)
		close(rs->wake[1]);
	wl_destroy(rs->cache);
	pthread_mutex_destroy(&rs->lock);
	pthread_cond_destroy(&rs->work);
	pthread_cond_destroy(&rs->idle);
	free(rs->records);
	free(rs->jobs);
	free(rs->threads);
	free(rs);
}

int
resolver_fd(const struct resolver *rs)
{
	if (rs->client != NULL)
		return resolver_client_fd(rs->client);
	return rs->wake[0];
}

static void
report_record(const struct record *rec, int64_t expires, resolver_cb *cb,
    void *arg)
{
	struct resolver_result res;

	memset(&res, 0, sizeof(res));
	res.sender = rec->sender;
	res.expires = expires;
	res.status = rec->status;
	res.cached = true;
	res.name = rec->name ? rec->name : "";
	res.addrs = rec->addrs;
	res.count = rec->count;
	cb(arg, &res);
}

/*
 * Ask for sender's siblings.  A cached answer is handed to cb at once; a
 * new lookup is queued unless one is under way or the queue is full.  A
 * remote resolver hands every answer, cached or not, to
 * resolver_collect()'s callback: it returns QUEUED, PENDING or SKIPPED.
 */
enum resolver_submit
resolver_submit(struct resolver *rs, const struct mx_addr *sender,
    int64_t expires, int64_t now, resolver_cb *cb, void *arg)
{
	struct record *rec;
	uint32_t slot;
	size_t tail;

	if (rs->client != NULL)
		return resolver_client_submit(rs->client, sender, expires, now);
	if (wl_get(rs->cache, sender, now, &slot)) {
		rec = &rs->records[slot];
		if (rec->state == RECORD_PENDING)
			return RESOLVER_PENDING;
		report_record(rec, expires, cb, arg);
		return RESOLVER_CACHED;
	}
	pthread_mutex_lock(&rs->lock);
	if (rs->job_count == rs->cfg.queue_size) {
		pthread_mutex_unlock(&rs->lock);
		return RESOLVER_SKIPPED;
	}
	tail = (rs->job_head + rs->job_count) % rs->cfg.queue_size;
	rs->jobs[tail].sender = *sender;
	rs->jobs[tail].expires = expires;
	rs->job_count++;
	pthread_cond_signal(&rs->work);
	pthread_mutex_unlock(&rs->lock);

	if ((rec = cache_store(rs, sender, now + PENDING_TIME)) != NULL)
		rec->state = RECORD_PENDING;
	rs->in_flight++;
	return RESOLVER_QUEUED;
}

static void
remember(struct resolver *rs, const struct result *r, int64_t now)
{
	struct record *rec;

	if ((rec = cache_store(rs, &r->sender, now + rs->cfg.cache_time)) ==
	    NULL)
		return;
	rec->state = RECORD_DONE;
	rec->status = r->status;
	rec->name = strdup(r->name);
	if (r->count > 0 &&
	    (rec->addrs = calloc(r->count, sizeof(*rec->addrs))) != NULL) {
		memcpy(rec->addrs, r->addrs, r->count * sizeof(*rec->addrs));
		rec->count = r->count;
	}
}

/* Hand every finished lookup to cb and remember it; returns how many. */
size_t
resolver_collect(struct resolver *rs, int64_t now, resolver_cb *cb, void *arg)
{
	struct resolver_result res;
	struct result *list, *r;
	char buf[256];
	size_t n = 0;

	if (rs->client != NULL)
		return resolver_client_collect(rs->client, now, cb, arg);
	while (read(rs->wake[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&rs->lock);
	list = rs->results;
	rs->results = NULL;
	rs->results_tail = &rs->results;
	pthread_mutex_unlock(&rs->lock);

	while ((r = list) != NULL) {
		list = r->next;
		remember(rs, r, now);
		memset(&res, 0, sizeof(res));
		res.sender = r->sender;
		res.expires = r->expires;
		res.status = r->status;
		res.name = r->name;
		res.addrs = r->addrs;
		res.count = r->count;
		cb(arg, &res);
		free(r);
		rs->in_flight--;
		n++;
	}
	return n;
}

/* Lookups submitted whose results have not been collected yet. */
size_t
resolver_pending(struct resolver *rs)
{
	if (rs->client != NULL)
		return resolver_client_pending(rs->client);
	return rs->in_flight;
}
