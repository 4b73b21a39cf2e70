/*
 * The control socket's commands, carried out in the daemon's core
 * (control_proto.h has the list).  Each changes the whitelist through
 * the same calls as the policy does, so the port hears of every change
 * through its added and removed hooks: on pf, the table follows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control.h"
#include "control_proto.h"
#include "daemon.h"
#include "log.h"
#include "tried.h"

/* The whitelist key of a request's address: the entry that covers it. */
static int
target_key(struct mxd *d, const struct ctl_request *req, struct mx_addr *key,
    char *err, size_t errlen)
{
	bool v4 = addr_is_v4(&req->addr);
	long long want = v4 ? d->cfg.whitelist_prefix4 :
	    d->cfg.whitelist_prefix6;

	if (req->prefix != -1 && req->prefix != want) {
		seterr(err, errlen, "whitelist entries are /%lld "
		    "(whitelist-prefix%c), not /%d", want, v4 ? '4' : '6',
		    req->prefix);
		return -1;
	}
	policy_key(&d->policy, &req->addr, key);
	return 0;
}

static void	format_time(time_t, char *, size_t);

/*
 * An entry's last use, derived (an entry holds no such field: it would
 * cost every entry 8 bytes): a fake-MX attempt or a real-MX pass sets the
 * expiry to whitelist-time from then, so the last use is the expiry less
 * whitelist-time.  Later than now: not used since it was set for longer
 * (add SECONDS); -1 then.  On the wall clock.
 */
static time_t
last_use(const struct mxd *d, int64_t now, int64_t left)
{
	int64_t t = now + left - d->cfg.whitelist_time;

	if (t > now)
		return (time_t)-1;
	return time(NULL) - (time_t)(now - t);
}

static void
entry_line(struct mxd *d, struct ctl_out *out, bool json,
    const struct mx_addr *key, int64_t left, uint32_t origin)
{
	char a[MX_ADDRSTRLEN], used[32];
	time_t last = last_use(d, mxd_now(), left);
	unsigned bits = addr_prefix_bits(key,
	    (unsigned)d->cfg.whitelist_prefix4,
	    (unsigned)d->cfg.whitelist_prefix6);

	if (addr_is_v4(key))
		bits -= 96;
	addr_format(key, a, sizeof(a));
	if (json) {
		if (last == (time_t)-1)
			snprintf(used, sizeof(used), "null");
		else
			snprintf(used, sizeof(used), "%lld", (long long)last);
		ctl_printf(out, "{\"address\":\"%s\",\"prefix\":%u,"
		    "\"seconds\":%lld,\"origin\":\"%s\",\"last_use\":%s}\n",
		    a, bits, (long long)left, policy_origin_name(origin), used);
		return;
	}
	if (last == (time_t)-1)
		snprintf(used, sizeof(used), "-");
	else
		format_time(last, used, sizeof(used));
	ctl_printf(out, "%s/%u %lld %s %s\n", a, bits, (long long)left,
	    policy_origin_name(origin), used);
}

struct listing {
	struct mxd	*d;
	struct ctl_out	*out;
	bool		 json;
	int64_t		 now;
};

static void
list_entry(void *arg, const struct mx_addr *key, int64_t expires,
    uint32_t origin)
{
	struct listing *l = arg;

	/* Expired, not yet purged: gone for every other purpose. */
	if (expires > l->now)
		entry_line(l->d, l->out, l->json, key, expires - l->now,
		    origin);
}

static int
show_whitelist(struct mxd *d, const struct ctl_request *req,
    struct ctl_out *out, char *err, size_t errlen)
{
	struct listing l;
	struct mx_addr key;
	uint32_t origin;
	int64_t now = mxd_now(), expires;

	if (req->has_addr) {
		if (target_key(d, req, &key, err, errlen) == -1)
			return -1;
		if (!wl_lookup(d->wl, &key, now, &expires, &origin)) {
			seterr(err, errlen, "not whitelisted");
			return -1;
		}
		entry_line(d, out, req->json, &key, expires - now, origin);
		return 0;
	}
	l.d = d;
	l.out = out;
	l.json = req->json;
	l.now = now;
	wl_foreach_value(d->wl, list_entry, &l);
	return 0;
}

static void
show_stats(struct mxd *d, bool json, struct ctl_out *out)
{
	struct stats_field f[STATS_FIELDS];
	long long uptime = (long long)(mxd_now() - d->started);
	size_t i;

	stats_fields(&d->stats, wl_count(d->wl), mxd_allow_entries(d), f);
	if (!json) {
		ctl_printf(out, "uptime: %lld\n", uptime);
		ctl_printf(out, "observe: %s\n", d->cfg.observe ? "on" : "off");
		for (i = 0; i < STATS_FIELDS; i++)
			ctl_printf(out, "%s: %llu\n", f[i].label,
			    (unsigned long long)f[i].value);
		return;
	}
	ctl_printf(out, "{\"uptime\":%lld,\"observe\":%s", uptime,
	    d->cfg.observe ? "true" : "false");
	for (i = 0; i < STATS_FIELDS; i++)
		ctl_printf(out, ",\"%s\":%llu", f[i].key,
		    (unsigned long long)f[i].value);
	ctl_printf(out, "}\n");
}

struct report_listing {
	struct mxd	*d;
	struct ctl_out	*out;
	bool		 json;
	const char	*count_key;	/* "count" or "hits" */
	bool		 blocked;	/* show blocked: the observed mark */
	int64_t		 mono_now;	/* the core's clock... */
	time_t		 real_now;	/* ...and the wall clock, now */
};

/* A time of the core's clock, on the wall clock. */
static time_t
wall_time(const struct report_listing *l, int64_t t)
{
	return l->real_now - (time_t)(l->mono_now - t);
}

static void	json_escape(const char *, char *, size_t);

/*
 * A suspect the answering fake MX spoke with: the HELO name and sender
 * of its newest record (fake-answer 450), if it gave them.
 */
static void
suspect_smtp(const struct report_listing *l, const struct mx_addr *a)
{
	const struct tried_entry *t = tried_find(l->d->tried, a);
	char helo[2 * TRIED_TEXT], from[2 * TRIED_TEXT];

	if (t == NULL || (t->helo[0] == '\0' && !t->has_sender))
		return;
	if (!l->json) {
		ctl_printf(l->out, " helo %s from <%s>", t->helo[0] ?
		    t->helo : "-", t->sender);
		return;
	}
	json_escape(t->helo, helo, sizeof(helo));
	json_escape(t->sender, from, sizeof(from));
	ctl_printf(l->out, ",\"helo\":\"%s\",\"sender\":\"%s\"", helo,
	    from);
}

static void
format_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)t);
}

/*
 * ADDRESS COUNT FIRST LAST, the times in UTC, and for a blocked sender
 * that observe mode let through, "observed"; JSON: seconds since 1970,
 * and (show blocked) "observed" true or false.
 */
static void
report_line(void *arg, const struct report_entry *e)
{
	struct report_listing *l = arg;
	char a[MX_ADDRSTRLEN], first[32], last[32];

	addr_format(&e->addr, a, sizeof(a));
	if (l->json) {
		ctl_printf(l->out, "{\"address\":\"%s\",\"%s\":%llu,"
		    "\"first\":%lld,\"last\":%lld%s", a, l->count_key,
		    (unsigned long long)e->count,
		    (long long)wall_time(l, e->first),
		    (long long)wall_time(l, e->last), !l->blocked ? "" :
		    e->observed ? ",\"observed\":true" : ",\"observed\":false");
		if (!l->blocked)
			suspect_smtp(l, &e->addr);
		ctl_printf(l->out, "}\n");
		return;
	}
	format_time(wall_time(l, e->first), first, sizeof(first));
	format_time(wall_time(l, e->last), last, sizeof(last));
	ctl_printf(l->out, "%s %llu %s %s%s", a,
	    (unsigned long long)e->count, first, last,
	    l->blocked && e->observed ? " observed" : "");
	if (!l->blocked)
		suspect_smtp(l, &e->addr);
	ctl_printf(l->out, "\n");
}

/*
 * Who tried (tried.h), newest first: ADDRESS TIME ANSWER, then for 450
 * "helo H from <S> to <R>..." ("+N more" past those kept), then "name N"
 * when the resolver found the peer's name.  JSON: "time" in seconds since
 * 1970, "recipients" the list kept, "recipients_seen" how many were given.
 */
static void
tried_line(void *arg, const struct tried_entry *t)
{
	struct report_listing *l = arg;
	char a[MX_ADDRSTRLEN], when[32], esc[2 * TRIED_NAME];
	unsigned i;

	addr_format(&t->addr, a, sizeof(a));
	if (l->json) {
		json_escape(t->name, esc, sizeof(esc));
		ctl_printf(l->out, "{\"address\":\"%s\",\"time\":%lld,"
		    "\"answer\":%u,\"name\":\"%s\"", a, (long long)t->when,
		    t->answer, esc);
		if (t->answer == 450) {
			json_escape(t->helo, esc, sizeof(esc));
			ctl_printf(l->out, ",\"helo\":\"%s\"", esc);
			json_escape(t->sender, esc, sizeof(esc));
			ctl_printf(l->out, ",\"sender\":%s%s%s", t->has_sender ?
			    "\"" : "", t->has_sender ? esc : "null",
			    t->has_sender ? "\"" : "");
			ctl_printf(l->out, ",\"recipients\":[");
			for (i = 0; i < t->nrcpts; i++) {
				json_escape(t->rcpts[i], esc, sizeof(esc));
				ctl_printf(l->out, "%s\"%s\"", i ? "," : "",
				    esc);
			}
			ctl_printf(l->out, "],\"recipients_seen\":%u",
			    t->rcpts_seen);
		}
		ctl_printf(l->out, "}\n");
		return;
	}
	format_time((time_t)t->when, when, sizeof(when));
	ctl_printf(l->out, "%s %s %u", a, when, t->answer);
	if (t->answer == 450) {
		ctl_printf(l->out, " helo %s", t->helo[0] ? t->helo : "-");
		if (t->has_sender)
			ctl_printf(l->out, " from <%s>", t->sender);
		if (t->nrcpts > 0)
			ctl_printf(l->out, " to");
		for (i = 0; i < t->nrcpts; i++)
			ctl_printf(l->out, " <%s>", t->rcpts[i]);
		if (t->rcpts_seen > t->nrcpts)
			ctl_printf(l->out, " +%u more",
			    t->rcpts_seen - t->nrcpts);
	}
	if (t->name[0] != '\0')
		ctl_printf(l->out, " name %s", t->name);
	ctl_printf(l->out, "\n");
}

static void
show_tried(struct mxd *d, const struct ctl_request *req, struct ctl_out *out)
{
	struct report_listing l;

	memset(&l, 0, sizeof(l));
	l.d = d;
	l.out = out;
	l.json = req->json;
	(void)tried_foreach(d->tried, req->has_addr ? &req->addr : NULL,
	    tried_line, &l);
}

/*
 * The senders most recently blocked, or the suspects (report.h), newest
 * first: at most REPORT_MAX lines.
 */
static void
show_report(struct mxd *d, bool suspects, bool json, struct ctl_out *out)
{
	struct report_listing l;

	l.d = d;
	l.out = out;
	l.json = json;
	l.count_key = suspects ? "hits" : "count";
	l.blocked = !suspects;
	l.mono_now = mxd_now();
	l.real_now = time(NULL);
	if (suspects)
		(void)report_suspects(d->report, (uint64_t)d->cfg.suspect_hits,
		    report_line, &l);
	else
		(void)report_blocked(d->report, report_line, &l);
}

/*
 * The allow list as loaded: its addresses and networks, then each name
 * with the addresses it resolved to.
 */
static void
show_allow(struct mxd *d, bool json, struct ctl_out *out)
{
	const struct mx_allow *al = d->allow;
	char buf[MX_ADDRSTRLEN];
	size_t i, j, n;

	if (al == NULL)
		return;
	for (i = 0; i < al->count; i++) {
		if (al->nets[i].name != -1)
			continue;
		addr_format(&al->nets[i].addr, buf, sizeof(buf));
		if (json)
			ctl_printf(out, "{\"allow\":\"%s/%u\"}\n", buf,
			    allow_prefix(&al->nets[i]));
		else
			ctl_printf(out, "%s/%u\n", buf,
			    allow_prefix(&al->nets[i]));
	}
	for (j = 0; j < al->nnames; j++) {
		ctl_printf(out, json ? "{\"allow\":\"%s\",\"addresses\":[" :
		    "%s", al->names[j]);
		for (i = n = 0; i < al->count; i++) {
			if (al->nets[i].name != (int)j)
				continue;
			addr_format(&al->nets[i].addr, buf, sizeof(buf));
			ctl_printf(out, json ? "%s\"%s\"" : "%s%s",
			    json ? (n == 0 ? "" : ",") : " ", buf);
			n++;
		}
		if (json)
			ctl_printf(out, "],\"resolved\":%s}\n",
			    al->resolved[j] ? "true" : "false");
		else
			ctl_printf(out, "%s\n", al->resolved[j] ? (n == 0 ?
			    " (no addresses)" : "") : " (not resolved yet)");
	}
}

/* A JSON string's inside: a path may hold anything. */
static void
json_escape(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	for (; *s != '\0' && n + 7 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			buf[n++] = '\\';
			buf[n++] = (char)c;
		} else if (c < 0x20 || c > 0x7e)
			n += (size_t)snprintf(buf + n, len - n, "\\u%04x", c);
		else
			buf[n++] = (char)c;
	}
	buf[n] = '\0';
}

static void
done(struct ctl_out *out, bool json, const char *what, const char *detail)
{
	char esc[400];

	if (json) {
		json_escape(detail, esc, sizeof(esc));
		ctl_printf(out, "{\"result\":\"%s\",\"detail\":\"%s\"}\n",
		    what, esc);
	}
	else
		ctl_printf(out, "%s %s\n", what, detail);
}

static int
add(struct mxd *d, const struct ctl_request *req, struct ctl_out *out,
    char *err, size_t errlen)
{
	struct mx_addr key;
	char a[MX_ADDRSTRLEN], detail[96];
	long long secs = req->seconds ? req->seconds : d->cfg.whitelist_time;
	enum wl_insert_result res;

	if (target_key(d, req, &key, err, errlen) == -1)
		return -1;
	res = wl_insert_value(d->wl, &key, mxd_now() + secs,
	    MX_ORIGIN_MANUAL);
	if (res == WL_NOMEM) {
		d->stats.nomem++;
		seterr(err, errlen, "out of memory");
		return -1;
	}
	if (d->port->flush != NULL)
		d->port->flush(d);
	mxd_sync_note(d, &key, mxd_now());
	addr_format(&key, a, sizeof(a));
	log_info("control: %s %s for %llds", res == WL_ADDED ? "added" :
	    "renewed", a, secs);
	snprintf(detail, sizeof(detail), "%s %lld", a, secs);
	done(out, req->json, res == WL_ADDED ? "added" : "renewed", detail);
	return 0;
}

static int
delete(struct mxd *d, const struct ctl_request *req, struct ctl_out *out,
    char *err, size_t errlen)
{
	struct mx_addr key;
	char a[MX_ADDRSTRLEN];

	if (target_key(d, req, &key, err, errlen) == -1)
		return -1;
	/* The port's removed hook takes it out of the firewall too. */
	if (!wl_contains(d->wl, &key, mxd_now()) || !wl_remove(d->wl, &key)) {
		seterr(err, errlen, "not whitelisted");
		return -1;
	}
	mxd_sync_deleted(d, &key);
	if (d->port->flush != NULL)
		d->port->flush(d);
	addr_format(&key, a, sizeof(a));
	log_info("control: deleted %s", a);
	done(out, req->json, "deleted", a);
	return 0;
}

struct keys {
	struct mx_addr	*k;
	size_t		 n;
};

static void
collect(void *arg, const struct mx_addr *key, int64_t expires)
{
	struct keys *ks = arg;

	(void)expires;
	ks->k[ks->n++] = *key;
}

static int
flush(struct mxd *d, bool json, struct ctl_out *out, char *err,
    size_t errlen)
{
	struct keys ks;
	char detail[32];
	size_t i;

	/* Not while walking the list: each removal changes it. */
	ks.n = 0;
	if ((ks.k = reallocarray(NULL, wl_count(d->wl) + 1,
	    sizeof(*ks.k))) == NULL) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	wl_foreach(d->wl, collect, &ks);
	for (i = 0; i < ks.n; i++)
		wl_remove(d->wl, &ks.k[i]);
	free(ks.k);
	if (d->port->flush != NULL)
		d->port->flush(d);
	log_info("control: flushed %zu whitelist entries", ks.n);
	snprintf(detail, sizeof(detail), "%zu", ks.n);
	done(out, json, "flushed", detail);
	return 0;
}

/* "uid U gid G pid P" of a request's sender, as far as the system tells. */
static void
peer_text(const struct ctl_peer *peer, char *buf, size_t len)
{
	if (peer == NULL || !peer->known)
		snprintf(buf, len, "an unknown peer");
	else if (peer->pid == -1)
		snprintf(buf, len, "uid %lu gid %lu", (unsigned long)peer->uid,
		    (unsigned long)peer->gid);
	else
		snprintf(buf, len, "uid %lu gid %lu pid %ld",
		    (unsigned long)peer->uid, (unsigned long)peer->gid,
		    (long)peer->pid);
}

/* Whether a command changes something: its sender is logged at info. */
static bool
changes(enum ctl_command cmd)
{
	switch (cmd) {
	case CTL_ADD:
	case CTL_DELETE:
	case CTL_FLUSH:
	case CTL_RELOAD:
	case CTL_LOG:
		return true;
	default:
		return false;
	}
}

/* The control socket's handler (control.h): one request line. */
int
mxd_control(void *arg, const char *line, size_t len, struct ctl_out *out,
    char *err, size_t errlen)
{
	struct mxd *d = arg;
	struct ctl_request req;
	static const char *levels[] = { "quiet", "info", "debug" };
	char who[96];

	peer_text(out->peer, who, sizeof(who));
	if (ctl_parse(line, len, &req, err, errlen) == -1) {
		log_debug("control: from %s: refused: %s", who, err);
		return -1;
	}
	if (changes(req.cmd))
		log_info("control: from %s: %.*s", who, (int)len, line);
	else
		log_debug("control: from %s: %.*s", who, (int)len, line);
	switch (req.cmd) {
	case CTL_SHOW_STATS:
	case CTL_SHOW_WHITELIST:
	case CTL_ADD:
	case CTL_DELETE:
	case CTL_FLUSH:
		/* What the firewall renewed or expired by itself. */
		mxd_readback(d);
		break;
	default:
		break;
	}
	switch (req.cmd) {
	case CTL_SHOW_STATS:
		show_stats(d, req.json, out);
		return 0;
	case CTL_SHOW_WHITELIST:
		return show_whitelist(d, &req, out, err, errlen);
	case CTL_SHOW_BLOCKED:
	case CTL_SHOW_SUSPECTS:
		show_report(d, req.cmd == CTL_SHOW_SUSPECTS, req.json, out);
		return 0;
	case CTL_SHOW_ALLOW:
		show_allow(d, req.json, out);
		return 0;
	case CTL_SHOW_TRIED:
		show_tried(d, &req, out);
		return 0;
	case CTL_ADD:
		return add(d, &req, out, err, errlen);
	case CTL_DELETE:
		return delete(d, &req, out, err, errlen);
	case CTL_FLUSH:
		return flush(d, req.json, out, err, errlen);
	case CTL_RELOAD:
		if (mxd_reload(d, err, errlen) == -1)
			return -1;
		done(out, req.json, "reloaded", config_path(&d->cmdline));
		return 0;
	case CTL_LOG:
		log_set_level(req.level);
		log_notice("control: log level %s", levels[req.level]);
		done(out, req.json, "log", levels[req.level]);
		return 0;
	}
	seterr(err, errlen, "unknown command");
	return -1;
}
