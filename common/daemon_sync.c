/*
 * The whitelist shared with other gates (sync.h), on the side of the
 * process that owns it: what is whitelisted or deleted here goes into the
 * sync engine's queue, what the other gates whitelisted comes out of it
 * and into the whitelist, from the event loop, never on the decision
 * path's account.
 *
 * Renewals are coalesced: `shared' remembers, per entry, the expiry the
 * other gates were last told of, and a renewal is sent only once that has
 * less than half a whitelist-time left.  When an event cannot be queued
 * (the queue is full: the server is slow or away), the loop later walks
 * the whitelist and sends whatever the others have not heard of.  It does
 * the same on every new connection, to catch up after an outage.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "sync.h"

/* Events taken from the engine in one turn of the loop. */
#define TAKE_BATCH	1024

static bool
enabled(const struct mx_config *cfg)
{
	return cfg->sync_url != NULL && strcmp(cfg->sync_url, "none") != 0;
}

/* This gate's name: sync-name, or the host name. */
static int
gate_name(const struct mx_config *cfg, char *buf, size_t len, char *err,
    size_t errlen)
{
	char host[256];

	if (cfg->sync_name != NULL) {
		snprintf(buf, len, "%s", cfg->sync_name);
		return 0;
	}
	if (gethostname(host, sizeof(host)) == -1) {
		seterr(err, errlen, "sync: cannot tell the host name; set "
		    "sync-name");
		return -1;
	}
	host[sizeof(host) - 1] = '\0';
	if (!sync_name_valid(host)) {
		seterr(err, errlen, "sync: the host name '%s' is no gate name "
		    "(1 to %d letters, digits and - . _ :); set sync-name",
		    host, SYNC_NAME_MAX);
		return -1;
	}
	/* Valid: it fits. */
	memcpy(buf, host, strlen(host) + 1 < len ? strlen(host) + 1 : len);
	buf[len - 1] = '\0';
	return 0;
}

/* Whether cfg can be run by this build: sync needs hiredis. */
int
mxd_sync_check(const struct mx_config *cfg, char *err, size_t errlen)
{
	char name[SYNC_NAME_MAX + 1];

	if (!enabled(cfg) || cfg->replay != NULL)
		return 0;
	if (!sync_available()) {
		seterr(err, errlen, "sync: this mxallowd was built without "
		    "Redis support (hiredis): remove the sync option, or "
		    "rebuild with hiredis");
		return -1;
	}
	return gate_name(cfg, name, sizeof(name), err, errlen);
}

bool
mxd_sync_changed(const struct mx_config *a, const struct mx_config *b)
{
	return enabled(a) != enabled(b) || (enabled(a) &&
	    (strcmp(a->sync_url, b->sync_url) != 0 ||
	    strcmp(a->sync_channel, b->sync_channel) != 0 ||
	    (a->sync_name == NULL) != (b->sync_name == NULL) ||
	    (a->sync_name != NULL &&
	    strcmp(a->sync_name, b->sync_name) != 0)));
}

/* The server, for the log: the URL without the password. */
static void
where(const struct sync_url *u, char *buf, size_t len)
{
	bool v6 = strchr(u->host, ':') != NULL;

	if (u->is_unix)
		snprintf(buf, len, "unix://%s", u->path);
	else
		snprintf(buf, len, "redis://%s%s%s%s%s:%d/%d", u->user,
		    u->user[0] ? "@" : "", v6 ? "[" : "", u->host,
		    v6 ? "]" : "", u->port, u->db);
}

void
mxd_sync_start(struct mxd *d)
{
	struct sync_config sc;
	char err[256];
	long long q = d->cfg.max_entries;

	if (!enabled(&d->cfg) || d->sync != NULL)
		return;
	memset(&sc, 0, sizeof(sc));
	if (mxd_sync_check(&d->cfg, err, sizeof(err)) == -1 ||
	    sync_url_parse(d->cfg.sync_url, &sc.url, err, sizeof(err)) == -1 ||
	    gate_name(&d->cfg, sc.gate, sizeof(sc.gate), err,
	    sizeof(err)) == -1)
		fatalx("%s", err);
	where(&sc.url, sc.where, sizeof(sc.where));
	snprintf(sc.channel, sizeof(sc.channel), "%s", d->cfg.sync_channel);
	sc.whitelist_ms = d->cfg.whitelist_time * 1000;
	/* Room for a burst, and for an outage's whitelistings. */
	sc.queue_size = (size_t)(q < 1024 ? 1024 : q > 65536 ? 65536 : q);
	sc.owner_connects = d->port->sync_connect != NULL;
	if ((d->sync_gate = strdup(sc.gate)) == NULL ||
	    (d->shared = wl_create((size_t)d->cfg.max_entries,
	    d->resolver_seed ^ 0x73796e63ULL, NULL, NULL)) == NULL)
		fatal("sync");
	if ((d->sync = sync_start(&sc, err, sizeof(err))) == NULL)
		fatalx("sync: %s", err);
	d->sync_connections = 0;
	d->sync_behind = false;
}

static void
sync_end(struct mxd *d, bool wait)
{
	if (wait)
		sync_stop(d->sync);
	else
		sync_abandon(d->sync);
	d->sync = NULL;
	wl_destroy(d->shared);
	d->shared = NULL;
	free(d->sync_gate);
	d->sync_gate = NULL;
	d->stats.sync_connected = 0;
}

/* At exit: the thread sends what it can before it ends. */
void
mxd_sync_stop(struct mxd *d)
{
	sync_end(d, true);
}

/* After a reload: the server, channel or name changed (restart), or not. */
void
mxd_sync_reloaded(struct mxd *d, bool changed)
{
	if (changed) {
		/* Not waiting for the old thread: verdicts go on meanwhile. */
		sync_end(d, false);
		mxd_sync_start(d);
	} else if (d->sync != NULL)
		sync_set_whitelist_ms(d->sync, d->cfg.whitelist_time * 1000);
}

int
mxd_sync_fd(const struct mxd *d)
{
	return d->sync == NULL ? -1 : sync_fd(d->sync);
}

/* The prefix of this gate's keys in key's family. */
static unsigned
key_prefix(const struct mxd *d, const struct mx_addr *key)
{
	return (unsigned)(addr_is_v4(key) ? d->cfg.whitelist_prefix4 :
	    d->cfg.whitelist_prefix6);
}

static bool
send_event(struct mxd *d, enum sync_op op, const struct mx_addr *key,
    int64_t ms)
{
	struct sync_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.op = op;
	ev.addr = *key;
	ev.prefix = key_prefix(d, key);
	ev.ms = ms;
	snprintf(ev.gate, sizeof(ev.gate), "%s", d->sync_gate);
	if (sync_send(d->sync, &ev))
		return true;
	d->stats.sync_dropped++;
	return false;
}

/*
 * Tell the others that key lives until expires (the core's clock), unless
 * what they know lives at least as long, or more than half a
 * whitelist-time yet.  False if the queue is full.
 */
static bool
share(struct mxd *d, const struct mx_addr *key, int64_t expires,
    int64_t now)
{
	int64_t wt = d->cfg.whitelist_time, known;
	uint32_t v;

	/* Nobody takes more than whitelist-time from us. */
	if (expires > now + wt)
		expires = now + wt;
	if (expires <= now)
		return true;
	if (wl_lookup(d->shared, key, now, &known, &v) &&
	    (known >= expires || known - now > wt / 2))
		return true;
	if (!send_event(d, SYNC_ADD, key, sync_wall_ms() +
	    (expires - now) * 1000)) {
		d->sync_behind = true;
		return false;
	}
	(void)wl_insert_value(d->shared, key, expires, 0);
	return true;
}

/* key was whitelisted or renewed here: tell the others, coalesced. */
void
mxd_sync_note(struct mxd *d, const struct mx_addr *key, int64_t now)
{
	int64_t expires;
	uint32_t origin;

	if (d->sync == NULL || !wl_lookup(d->wl, key, now, &expires, &origin))
		return;
	(void)share(d, key, expires, now);
}

/* key was deleted here (mxallowctl delete): everywhere else too. */
void
mxd_sync_deleted(struct mxd *d, const struct mx_addr *key)
{
	if (d->sync == NULL)
		return;
	wl_remove(d->shared, key);
	(void)send_event(d, SYNC_DELETE, key, sync_wall_ms());
}

struct catchup {
	struct mxd	*d;
	int64_t		 now;
	bool		 full;
};

static void
catchup_entry(void *arg, const struct mx_addr *key, int64_t expires,
    uint32_t origin)
{
	struct catchup *c = arg;

	/* Another gate's entry is that gate's to share. */
	if (c->full || origin == MX_ORIGIN_SYNC || expires <= c->now)
		return;
	if (!share(c->d, key, expires, c->now))
		c->full = true;
}

/* Send what the others have not heard of; again in a second if full. */
static void
catch_up(struct mxd *d, int64_t now)
{
	struct catchup c = { d, now, false };

	d->sync_behind = false;
	d->sync_next_catchup = now + 1;
	wl_foreach_value(d->wl, catchup_entry, &c);
}

/* One of the other gates' events into the whitelist. */
static bool
apply(struct mxd *d, const struct sync_event *ev, int64_t now, int64_t wall)
{
	static struct log_ratelimit rl;
	char a[MX_ADDRSTRLEN];
	int64_t wt = d->cfg.whitelist_time, expires;

	if (ev->prefix != key_prefix(d, &ev->addr)) {
		/* A key of another whitelist-prefix matches none of ours. */
		d->stats.sync_dropped++;
		log_warn_limited(&rl, now, "sync: %s/%u from %s: not a /%u "
		    "key (whitelist-prefix differs)", addr_format(&ev->addr, a,
		    sizeof(a)), ev->prefix, ev->gate, key_prefix(d, &ev->addr));
		return false;
	}
	if (ev->op == SYNC_DELETE) {
		if (d->shared != NULL)
			wl_remove(d->shared, &ev->addr);
		if (wl_contains(d->wl, &ev->addr, now))
			wl_remove(d->wl, &ev->addr);
		d->stats.sync_received++;
		if (log_debug_enabled())
			log_debug("sync: %s deleted %s", ev->gate,
			    addr_format(&ev->addr, a, sizeof(a)));
		return true;
	}
	if (ev->ms <= wall)
		return false;
	expires = now + (ev->ms - wall + 999) / 1000;
	if (expires > now + wt)
		expires = now + wt;
	if (d->shared != NULL)
		(void)wl_insert_value(d->shared, &ev->addr, expires, 0);
	/* Known here already: the longer expiry wins, the origin stays. */
	if (!wl_renew(d->wl, &ev->addr, now, expires)) {
		if (wl_count(d->wl) >= (size_t)d->cfg.max_entries) {
			/* The others never push out what we whitelisted. */
			d->stats.sync_dropped++;
			return false;
		}
		if (wl_insert_value(d->wl, &ev->addr, expires,
		    MX_ORIGIN_SYNC) == WL_NOMEM) {
			d->stats.nomem++;
			return false;
		}
	}
	d->stats.sync_received++;
	if (log_debug_enabled())
		log_debug("sync: %s whitelisted %s for %llds", ev->gate,
		    addr_format(&ev->addr, a, sizeof(a)),
		    (long long)(expires - now));
	return true;
}

/*
 * The other gates' events, checked already (sync_event_parse()), into the
 * whitelist; the port hears of the changes as of any other (added,
 * removed), and flushes them once, in as few requests as it can (pf's
 * table).  Returns how many changed the whitelist.
 */
size_t
mxd_sync_apply(struct mxd *d, const struct sync_event *ev, size_t n,
    int64_t now)
{
	int64_t wall = sync_wall_ms();
	size_t i, changed = 0;

	for (i = 0; i < n; i++)
		if (apply(d, &ev[i], now, wall))
			changed++;
	if (changed > 0 && d->port->flush != NULL)
		d->port->flush(d);
	return changed;
}

/*
 * From the loop, every turn: the engine's counters into the statistics;
 * when readable, the other gates' events; after a new connection, or
 * when events could not be queued, the catch-up.
 */
void
mxd_sync_input(struct mxd *d, int64_t now, bool readable)
{
	struct sync_event ev[TAKE_BATCH];
	struct sync_counters c;
	size_t n;

	if (d->sync == NULL)
		return;
	/*
	 * First what woke us, which drains the pipe; then the flags the
	 * thread set before it wrote to the pipe: none is missed.
	 */
	if (readable && (n = sync_take(d->sync, ev, TAKE_BATCH)) > 0)
		(void)mxd_sync_apply(d, ev, n, now);
	sync_counters(d->sync, &c);
	d->stats.sync_sent = c.sent;
	d->stats.sync_errors = c.errors;
	d->stats.sync_connected = c.connected ? 1 : 0;
	/* The thread waits for a connection only the port can open. */
	if (sync_fd_wanted(d->sync)) {
		char err[256] = "";
		int fd = d->port->sync_connect(d, err, sizeof(err));

		sync_give_fd(d->sync, fd, err);
	}
	if (c.connections != d->sync_connections) {
		d->sync_connections = c.connections;
		d->sync_behind = true;
		d->sync_next_catchup = 0;
	}
	if (c.connected && d->sync_behind && now >= d->sync_next_catchup)
		catch_up(d, now);
}
