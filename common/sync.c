/*
 * The sync engine (sync.h): two bounded rings and the backend's thread.
 *
 * The owner of the whitelist puts events to publish in the outbound ring
 * and never waits: when it is full, the event is refused (the caller
 * counts it).  The thread reads the other gates' events, checks them, and
 * puts them in the inbound ring; when that is full it waits for the owner,
 * which only slows down reading from the server, never a verdict.  A byte
 * on a pipe wakes each side: the owner polls sync_fd(), the thread polls
 * its wake pipe beside the server's socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sync.h"
#include "sync_backend.h"

struct ring {
	struct sync_event	*ev;
	size_t			 size, head, count;
};

struct sync {
	struct sync_config	 cfg;
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 room;		/* inbound has room again */
	struct ring		 out, in;
	int			 notify[2];	/* thread -> owner */
	int			 wake[2];	/* owner -> thread */
	bool			 stopping;
	bool			 abandoned;	/* the thread frees it */
	bool			 finished;	/* the thread has returned */
	struct sync_counters	 counters;
	struct log_ratelimit	 refused_rl;
	/* A connection asked of the owner, and its answer. */
	bool			 fd_wanted;
	bool			 fd_given;
	int			 fd;
	char			 fd_err[128];
};

bool
sync_available(void)
{
	return sync_backend_available();
}

int64_t
sync_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
ring_init(struct ring *r, size_t size)
{
	r->size = size;
	r->head = r->count = 0;
	r->ev = calloc(size, sizeof(*r->ev));
	return r->ev == NULL ? -1 : 0;
}

static void
ring_push(struct ring *r, const struct sync_event *ev)
{
	r->ev[(r->head + r->count++) % r->size] = *ev;
}

/* Copy up to max events from the head; remove them if take. */
static size_t
ring_copy(struct ring *r, struct sync_event *out, size_t max, bool take)
{
	size_t i, n = r->count < max ? r->count : max;

	for (i = 0; i < n; i++)
		out[i] = r->ev[(r->head + i) % r->size];
	if (take) {
		r->head = (r->head + n) % r->size;
		r->count -= n;
	}
	return n;
}

/* A wake-up byte; a full pipe holds one already. */
static void
poke(int fd)
{
	char c = 0;

	(void)!write(fd, &c, 1);
}

static void
drain(int fd)
{
	char buf[64];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static int
make_pipe(int fds[2])
{
	int i;

	if (pipe(fds) == -1)
		return -1;
	for (i = 0; i < 2; i++)
		if (fcntl(fds[i], F_SETFL, O_NONBLOCK) == -1 ||
		    fcntl(fds[i], F_SETFD, FD_CLOEXEC) == -1)
			return -1;
	return 0;
}

static void	sync_free(struct sync *);

static void *
run(void *arg)
{
	struct sync *s = arg;
	bool abandoned;

	sync_backend_run(s);
	pthread_mutex_lock(&s->lock);
	s->finished = true;
	abandoned = s->abandoned;
	pthread_mutex_unlock(&s->lock);
	/* Nobody waits for it (sync_abandon): the last one out cleans up. */
	if (abandoned)
		sync_free(s);
	return NULL;
}

static void
sync_free(struct sync *s)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (s->notify[i] != -1)
			close(s->notify[i]);
		if (s->wake[i] != -1)
			close(s->wake[i]);
	}
	if (s->fd_given && s->fd != -1)
		close(s->fd);
	free(s->out.ev);
	free(s->in.ev);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->room);
	free(s);
}

struct sync *
sync_start(const struct sync_config *cfg, char *err, size_t errlen)
{
	struct sync *s;

	if (!sync_backend_available()) {
		seterr(err, errlen, "this mxallowd was built without Redis "
		    "support (hiredis)");
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		seterr(err, errlen, "out of memory");
		return NULL;
	}
	s->cfg = *cfg;
	s->notify[0] = s->notify[1] = s->wake[0] = s->wake[1] = -1;
	s->fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->room, NULL);
	if (ring_init(&s->out, cfg->queue_size) == -1 ||
	    ring_init(&s->in, SYNC_INBOUND_MAX) == -1) {
		seterr(err, errlen, "out of memory");
		sync_free(s);
		return NULL;
	}
	if (make_pipe(s->notify) == -1 || make_pipe(s->wake) == -1) {
		seterr(err, errlen, "pipe: %s", strerror(errno));
		sync_free(s);
		return NULL;
	}
	if ((errno = pthread_create(&s->thread, NULL, run, s)) != 0) {
		seterr(err, errlen, "thread: %s", strerror(errno));
		sync_free(s);
		return NULL;
	}
	return s;
}

void
sync_stop(struct sync *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_broadcast(&s->room);
	pthread_mutex_unlock(&s->lock);
	poke(s->wake[1]);
	pthread_join(s->thread, NULL);
	sync_free(s);
}

/*
 * Stop it without waiting: a reload must not hold up verdicts while the
 * thread finishes a call to a server that stopped answering (seconds, at
 * its socket timeouts).  The thread frees it when it returns; nothing of
 * it may be used after this.
 */
void
sync_abandon(struct sync *s)
{
	pthread_t thread;
	bool finished;

	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	s->abandoned = true;
	finished = s->finished;
	thread = s->thread;
	pthread_cond_broadcast(&s->room);
	/* Under the lock: once it is released, the thread may free s. */
	if (!finished)
		poke(s->wake[1]);
	pthread_mutex_unlock(&s->lock);
	if (finished) {
		pthread_join(thread, NULL);
		sync_free(s);
	} else
		pthread_detach(thread);
}

int
sync_fd(const struct sync *s)
{
	return s->notify[0];
}

/* Queue an event to publish; false (nothing queued) if the queue is full. */
bool
sync_send(struct sync *s, const struct sync_event *ev)
{
	bool was_empty;

	pthread_mutex_lock(&s->lock);
	if (s->out.count == s->out.size) {
		pthread_mutex_unlock(&s->lock);
		return false;
	}
	was_empty = s->out.count == 0;
	ring_push(&s->out, ev);
	pthread_mutex_unlock(&s->lock);
	if (was_empty)
		poke(s->wake[1]);
	return true;
}

/*
 * Up to max of the other gates' events, in the order they came.  When
 * some are left, the descriptor stays readable.
 */
size_t
sync_take(struct sync *s, struct sync_event *out, size_t max)
{
	size_t n;
	bool left;

	drain(s->notify[0]);
	pthread_mutex_lock(&s->lock);
	n = ring_copy(&s->in, out, max, true);
	left = s->in.count > 0;
	if (n > 0)
		pthread_cond_broadcast(&s->room);
	pthread_mutex_unlock(&s->lock);
	if (left)
		poke(s->notify[1]);
	return n;
}

void
sync_set_whitelist_ms(struct sync *s, int64_t ms)
{
	pthread_mutex_lock(&s->lock);
	s->cfg.whitelist_ms = ms;
	pthread_mutex_unlock(&s->lock);
}

void
sync_counters(struct sync *s, struct sync_counters *c)
{
	pthread_mutex_lock(&s->lock);
	*c = s->counters;
	pthread_mutex_unlock(&s->lock);
}

/* Whether the thread waits for a connection from the owner. */
bool
sync_fd_wanted(struct sync *s)
{
	bool want;

	pthread_mutex_lock(&s->lock);
	want = s->fd_wanted && !s->fd_given;
	pthread_mutex_unlock(&s->lock);
	return want;
}

/* The owner's answer: a connected (or connecting) socket, or -1 and why. */
void
sync_give_fd(struct sync *s, int fd, const char *err)
{
	pthread_mutex_lock(&s->lock);
	s->fd = fd;
	snprintf(s->fd_err, sizeof(s->fd_err), "%s", fd == -1 && err != NULL ?
	    err : "");
	s->fd_given = true;
	pthread_cond_broadcast(&s->room);
	pthread_mutex_unlock(&s->lock);
}

/* The thread's side. */

int
sync_io_fd(struct sync *s, int ms, char *err, size_t errlen)
{
	struct timespec until;
	int fd = -1;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000 + 1;
	pthread_mutex_lock(&s->lock);
	/* One given too late for the last call. */
	if (s->fd_given && s->fd != -1)
		close(s->fd);
	s->fd = -1;
	s->fd_wanted = true;
	s->fd_given = false;
	pthread_mutex_unlock(&s->lock);
	poke(s->notify[1]);
	pthread_mutex_lock(&s->lock);
	while (!s->fd_given && !s->stopping &&
	    pthread_cond_timedwait(&s->room, &s->lock, &until) != ETIMEDOUT)
		;
	if (s->fd_given) {
		fd = s->fd;
		if (fd == -1)
			seterr(err, errlen, "%s", s->fd_err[0] ? s->fd_err :
			    "no connection");
	} else
		seterr(err, errlen, "no connection from the main loop");
	s->fd_wanted = s->fd_given = false;
	s->fd = -1;
	pthread_mutex_unlock(&s->lock);
	return fd;
}

const struct sync_config *
sync_io_config(const struct sync *s)
{
	return &s->cfg;
}

bool
sync_io_stopping(struct sync *s)
{
	bool stop;

	pthread_mutex_lock(&s->lock);
	stop = s->stopping;
	pthread_mutex_unlock(&s->lock);
	return stop;
}

int
sync_io_wait(struct sync *s, int fd, int ms)
{
	struct pollfd pfd[2];
	int r = 0;

	pthread_mutex_lock(&s->lock);
	if (s->out.count > 0 || s->stopping)
		ms = 0;
	pthread_mutex_unlock(&s->lock);
	pfd[0].fd = s->wake[0];
	pfd[0].events = POLLIN;
	pfd[1].fd = fd;
	pfd[1].events = POLLIN;
	if (poll(pfd, fd == -1 ? 1 : 2, ms) > 0) {
		if (pfd[0].revents & POLLIN)
			drain(s->wake[0]);
		if (fd != -1 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)))
			r |= SYNC_IO_READABLE;
	}
	pthread_mutex_lock(&s->lock);
	if (s->out.count > 0)
		r |= SYNC_IO_PENDING;
	pthread_mutex_unlock(&s->lock);
	return r;
}

void
sync_io_sleep(struct sync *s, int ms)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&s->lock);
	while (!s->stopping && pthread_cond_timedwait(&s->room, &s->lock,
	    &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&s->lock);
}

size_t
sync_io_peek(struct sync *s, struct sync_event *out, size_t max)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = ring_copy(&s->out, out, max, false);
	pthread_mutex_unlock(&s->lock);
	return n;
}

void
sync_io_sent(struct sync *s, size_t n)
{
	pthread_mutex_lock(&s->lock);
	if (n > s->out.count)
		n = s->out.count;
	s->out.head = (s->out.head + n) % s->out.size;
	s->out.count -= n;
	s->counters.sent += n;
	pthread_mutex_unlock(&s->lock);
}

void
sync_io_error(struct sync *s)
{
	pthread_mutex_lock(&s->lock);
	s->counters.errors++;
	pthread_mutex_unlock(&s->lock);
}

void
sync_io_connected(struct sync *s, bool up)
{
	pthread_mutex_lock(&s->lock);
	s->counters.connected = up;
	if (up)
		s->counters.connections++;
	pthread_mutex_unlock(&s->lock);
	/* The owner catches up on a new connection. */
	poke(s->notify[1]);
}

/*
 * An event from the server: checked, then handed to the owner, unless it
 * is our own coming back on the channel.  A stored value of ours is
 * taken: after a restart it is what we whitelisted before.  Anything
 * refused is counted and logged (a few a minute).
 */
void
sync_io_received(struct sync *s, const char *buf, size_t len, bool stored)
{
	struct sync_event ev;
	char why[64];
	enum sync_parse rc;
	int64_t wl_ms;
	bool was_empty;

	pthread_mutex_lock(&s->lock);
	wl_ms = s->cfg.whitelist_ms;
	pthread_mutex_unlock(&s->lock);
	rc = sync_event_parse(buf, len, sync_wall_ms(), wl_ms, &ev, why,
	    sizeof(why));
	if (rc == SYNC_PARSE_BAD) {
		sync_io_error(s);
		log_warn_limited(&s->refused_rl, (int64_t)time(NULL),
		    "sync: %s refused (%zu bytes): %s", stored ?
		    "stored entry" : "event", len, why);
		return;
	}
	if (rc == SYNC_PARSE_STALE ||
	    (!stored && strcmp(ev.gate, s->cfg.gate) == 0))
		return;
	pthread_mutex_lock(&s->lock);
	while (s->in.count == s->in.size && !s->stopping)
		pthread_cond_wait(&s->room, &s->lock);
	if (s->stopping) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	was_empty = s->in.count == 0;
	ring_push(&s->in, &ev);
	pthread_mutex_unlock(&s->lock);
	if (was_empty)
		poke(s->notify[1]);
}
