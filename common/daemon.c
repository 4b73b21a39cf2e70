/*
 * Configuration, start-up, the event loop, and signal handling; and the
 * core every run shares, the daemon's and the replay's (mxd_init_core(),
 * mxd_decide(), mxd_decide_pf()).
 *
 * Signals only set a flag and write a byte to a pipe that the loop polls,
 * so every piece of real work (reloading, logging statistics, exiting)
 * happens in the loop, between packets, never inside a handler.
 */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "control.h"
#include "daemon.h"
#include "fakemx.h"
#include "log.h"
#include "metrics.h"
#include "pfpolicy.h"
#include "resolver_msg.h"
#include "state.h"
#include "tried.h"
#include "version.h"

/* The answering fake MX's port: SMTP's; the tests use another. */
uint16_t			mxd_fake_port = 25;

static volatile sig_atomic_t	got_reload, got_stats, got_quit;
static volatile pid_t		signals_from;
static int			signal_pipe[2] = { -1, -1 };

int64_t
mxd_now(void)
{
	return clock_s();
}

/* The allow list's size: its addresses and networks, names' included. */
uint64_t
mxd_allow_entries(const struct mxd *d)
{
	return d->allow == NULL ? 0 : (uint64_t)d->allow->count;
}

uint64_t
mxd_random_seed(void)
{
	uint64_t seed = 0;
	int fd;

	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) != -1) {
		if (read(fd, &seed, sizeof(seed)) != (ssize_t)sizeof(seed))
			seed = 0;
		close(fd);
	}
	if (seed == 0)
		seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	return seed;
}

static void
on_signal(int sig, siginfo_t *info, void *context)
{
	int saved_errno = errno;
	char c = 0;

	(void)context;
	/* A process that takes its orders from one other (mxd_signals_from). */
	if (signals_from != 0 && (info == NULL || info->si_pid != signals_from))
		return;
	switch (sig) {
	case SIGHUP:
		got_reload = 1;
		break;
	case SIGUSR1:
		got_stats = 1;
		break;
	default:
		got_quit = 1;
		break;
	}
	/* A full pipe already holds a wake-up: losing this byte is fine. */
	(void)!write(signal_pipe[1], &c, 1);
	errno = saved_errno;
}

static void
setup_signals(const struct mx_port *port)
{
	struct sigaction sa;
	int i;

	if (pipe(signal_pipe) == -1)
		fatal("pipe");
	for (i = 0; i < 2; i++) {
		if (fcntl(signal_pipe[i], F_SETFL, O_NONBLOCK) == -1 ||
		    fcntl(signal_pipe[i], F_SETFD, FD_CLOEXEC) == -1)
			fatal("fcntl");
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | SA_SIGINFO;
	if (port->no_reload)
		signal(SIGHUP, SIG_IGN);
	else
		sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * From now on, only signals that pid sends count (0: anyone's).  The pf
 * engine takes its orders from its privileged parent alone, which checks
 * a reload before passing it on: a "pkill -HUP mxallowd" reaches every
 * process of the daemon, and must not reach past that check.
 */
void
mxd_signals_from(pid_t pid)
{
	signals_from = pid;
}

/* The self-pipe of the signal handlers, for a port that limits it. */
void
mxd_signal_fds(int fds[2])
{
	fds[0] = signal_pipe[0];
	fds[1] = signal_pipe[1];
}

static void
drain_signal_pipe(void)
{
	char buf[64];

	while (read(signal_pipe[0], buf, sizeof(buf)) > 0)
		;
}

static void
on_removed(void *arg, const struct mx_addr *addr, int64_t expires,
    enum wl_removal why)
{
	struct mxd *d = arg;
	char buf[MX_ADDRSTRLEN];

	if (why == WL_EXPIRED)
		d->stats.expired++;
	else if (why == WL_EVICTED)
		d->stats.evictions++;
	if (log_debug_enabled())
		log_debug("%s %s", why == WL_EVICTED ? "evicted" : "expired",
		    addr_format(addr, buf, sizeof(buf)));
	if (d->port->removed != NULL)
		d->port->removed(d, addr, expires, why);
}

enum log_level
mxd_log_level(const struct mx_config *cfg)
{
	if (cfg->debug)
		return LOG_LEVEL_DEBUG;
	return cfg->quiet ? LOG_LEVEL_QUIET : LOG_LEVEL_INFO;
}

static void
on_added(void *arg, const struct mx_addr *addr, int64_t expires)
{
	struct mxd *d = arg;

	(void)expires;
	if (d->port->added != NULL)
		d->port->added(d, addr);
}

/* Point the policy at the configuration in force. */
void
mxd_point_policy(struct mxd *d)
{
	d->policy.fake = &d->cfg.fake;
	d->policy.real = &d->cfg.real;
	d->policy.whitelist_time = d->cfg.whitelist_time;
	d->policy.prefix4 = (unsigned)d->cfg.whitelist_prefix4;
	d->policy.prefix6 = (unsigned)d->cfg.whitelist_prefix6;
	d->policy.wl = d->wl;
	d->policy.stats = &d->stats;
	d->policy.allow = d->allow;
	d->policy.observe = d->cfg.observe;
	d->policy.observed = d->observed;
	/*
	 * Only a listener answers: without one (the replay, whose capture
	 * holds no handshakes) a SYN to the fake MX whitelists, as in rst.
	 */
	d->policy.fake_answers = d->fakemx != NULL;
}

/* Most senders observe mode remembers having logged. */
#define OBSERVED_MAX	65536

_Static_assert(RESOLVER_NAME_ADDRS_MAX == ALLOW_NAME_ADDRS_MAX,
    "a NAME_RESULT carries what allow.c keeps of a name");

/*
 * Whether this process may resolve the allow list's names: itself, or
 * (pf's engine) through the resolver process's names socket.
 */
static bool
mxd_allow_resolves(const struct mxd *d)
{
	return d->resolver_remote_fd == -1 || d->names_remote_fd != -1;
}

/*
 * The allow list of the configuration in force, keeping the addresses
 * its names had; the observe mode's memory.  -1 without memory.
 */
int
mxd_allow_load(struct mxd *d)
{
	struct mx_allow *al = NULL;
	size_t max = (size_t)d->cfg.max_entries;

	/* No list, no memory: a core without one holds nothing to free. */
	if (d->cfg.nallow > 0 && (al = allow_build(d->cfg.allow,
	    d->cfg.nallow, d->allow)) == NULL)
		return -1;
	if (d->cfg.observe && d->observed == NULL &&
	    (d->observed = wl_create(max < OBSERVED_MAX ? max : OBSERVED_MAX,
	    d->resolver_seed ^ 0x6f6273657276ULL, NULL, NULL)) == NULL) {
		allow_free(al);
		return -1;
	}
	allow_free(d->allow);
	d->allow = al;
	/* Names new or old: resolve them as soon as the loop can. */
	d->allow_next = 0;
	if (al != NULL && al->nnames > 0 && d->resolver_remote_fd != -1 &&
	    d->names_remote_fd == -1)
		log_warnx("allow: host names are not resolved on the %s port; "
		    "%s and %zu more are left out", d->port->name,
		    al->names[0], al->nnames - 1);
	mxd_point_policy(d);
	if (d->port->allow_changed != NULL)
		d->port->allow_changed(d);
	return 0;
}

/*
 * From the loop: take a finished resolution of the allow list's names,
 * start the next one every dns-cache-time (at least 10 s apart).  Never
 * waits: the lookups run in a thread of their own.
 */
void
mxd_allow_tick(struct mxd *d, int64_t now)
{
	int64_t every = d->cfg.dns_cache_time < 10 ? 10 :
	    d->cfg.dns_cache_time;

	if (d->allow == NULL)
		return;
	if (d->allow_res != NULL) {
		if (!allow_resolve_done(d->allow_res))
			return;
		if (allow_resolve_finish(d->allow_res, d->allow) == -1)
			log_warnx("allow: out of memory for a name's "
			    "addresses");
		d->allow_res = NULL;
		log_debug("allow: names resolved, %zu entries",
		    d->allow->count);
		if (d->port->allow_changed != NULL)
			d->port->allow_changed(d);
	}
	if (d->allow->nnames == 0 || !mxd_allow_resolves(d) ||
	    now < d->allow_next)
		return;
	d->allow_next = now + every;
	/* pf's engine: through the resolver process, from the thread. */
	if (d->names_remote_fd != -1)
		resolver_names_use(d->names_remote_fd, 60);
	if ((d->allow_res = allow_resolve_start(d->allow, signal_pipe[1],
	    d->names_remote_fd != -1 ? resolver_names_addrs : NULL)) == NULL)
		log_warnx("allow: cannot start resolving its names");
}

void
mxd_allow_free(struct mxd *d)
{
	allow_resolve_cancel(d->allow_res);
	d->allow_res = NULL;
	allow_free(d->allow);
	d->allow = NULL;
	wl_destroy(d->observed);
	d->observed = NULL;
	d->policy.allow = NULL;
	d->policy.observed = NULL;
}

static const char *
rdns_status_name(enum resolver_status status)
{
	switch (status) {
	case RESOLVER_OK:
		return "found";
	case RESOLVER_NO_NAME:
		return "no PTR name";
	case RESOLVER_UNCONFIRMED:
		return "name does not resolve back to the sender";
	case RESOLVER_DROPPED:
		return "dropped by the resolver process";
	case RESOLVER_FAILED:
		break;
	}
	return "lookup failed";
}

/*
 * A lookup not made: the queue was full, here or in the resolver process
 * (which logs its own reason when it is another).
 */
static void
rdns_skipped(struct mxd *d, int64_t now)
{
	static struct log_ratelimit rl;

	d->stats.rdns_skipped++;
	log_warn_limited(&rl, now, "reverse-DNS queue full: lookup skipped "
	    "(see dns-queue, dns-threads)");
}

/*
 * A sender's name and its addresses are known: whitelist every address of
 * the name (the sender itself already is) until the sender's expiry.
 */
static void
on_siblings(void *arg, const struct resolver_result *res)
{
	struct mxd *d = arg;
	struct mx_addr key;
	char a[MX_ADDRSTRLEN], b[MX_ADDRSTRLEN];
	size_t i;

	if (res->status == RESOLVER_DROPPED) {
		rdns_skipped(d, mxd_now());
		return;
	}
	/* Who tried: the name, for the fake MX's records. */
	if (res->status == RESOLVER_OK) {
		tried_set_name(d->tried, &res->sender, res->name);
		fakemx_set_name(d->fakemx, &res->sender, res->name);
	}
	if (!res->cached) {
		d->stats.rdns_lookups++;
		if (res->status != RESOLVER_OK)
			d->stats.rdns_failed++;
	}
	if (log_debug_enabled())
		log_debug("rdns %s: %s%s%s (%zu addresses)%s",
		    addr_format(&res->sender, a, sizeof(a)),
		    rdns_status_name(res->status), *res->name ? " " : "",
		    res->name, res->count, res->cached ? ", cached" : "");
	for (i = 0; i < res->count; i++) {
		if (addr_equal(&res->addrs[i], &res->sender))
			continue;
		policy_key(&d->policy, &res->addrs[i], &key);
		if (wl_insert_value(d->wl, &key, res->expires,
		    MX_ORIGIN_SIBLING) != WL_ADDED)
			continue;
		d->stats.rdns_siblings++;
		mxd_sync_note(d, &key, mxd_now());
		if (log_debug_enabled())
			log_debug("whitelist sibling %s of %s (%s)",
			    addr_format(&key, a, sizeof(a)),
			    addr_format(&res->sender, b, sizeof(b)),
			    res->name);
	}
}

/*
 * After a decision: a fake-MX hit (new or renewed) sends the sender's name
 * to the resolver, unless rDNS whitelisting is off.  Every port's decision
 * path calls this, through mxd_decide() or mxd_decide_pf().
 */
void
mxd_find_siblings(struct mxd *d, enum mx_action action,
    const struct mx_addr *sender, int64_t now)
{
	if ((action != MX_WHITELIST && action != MX_REFRESH) ||
	    d->resolver == NULL || d->cfg.no_rdns_whitelist)
		return;
	if (resolver_submit(d->resolver, sender, now +
	    d->cfg.whitelist_time, now, on_siblings, d) == RESOLVER_SKIPPED)
		rdns_skipped(d, now);
}

/*
 * The whitelist, wired to the statistics and the port, and the policy
 * pointed at the configuration: what every user of the core needs, the
 * daemon and the replay alike.
 */
int
mxd_init_core(struct mxd *d, uint64_t seed)
{
	d->wl = wl_create((size_t)d->cfg.max_entries, seed, on_removed, d);
	if (d->wl == NULL)
		return -1;
	wl_set_added_cb(d->wl, on_added, d);
	if ((d->report = report_create(REPORT_MAX, seed ^ 0x5bd1e995ULL)) ==
	    NULL)
		return -1;
	mxd_point_policy(d);
	if (mxd_allow_load(d) == -1)
		return -1;
	return 0;
}

/*
 * A decision into the reports: a would-block (observe mode let the SYN
 * through; the policy counted it, would_block was wb before) is noted as
 * an observed block.
 */
static void
mxd_report(struct mxd *d, enum mx_action action, const struct mx_addr *src,
    int64_t now, uint64_t wb)
{
	if (d->stats.would_block != wb)
		report_note_observed(d->report, src, now);
	else
		report_note(d->report, action, src, now);
}

/*
 * A sender whitelisted or renewed here, by a fake-MX hit or a real-MX
 * pass: the other gates hear of it (coalesced: daemon_sync.c).
 */
static void
mxd_share(struct mxd *d, enum mx_action action, const struct mx_addr *src,
    int64_t now)
{
	struct mx_addr key;

	if (d->sync == NULL || (action != MX_WHITELIST &&
	    action != MX_REFRESH && action != MX_PASS))
		return;
	policy_key(&d->policy, src, &key);
	mxd_sync_note(d, &key, now);
}

/* Decide, log the decision when debugging, and look for siblings. */
enum mx_action
mxd_decide(struct mxd *d, const struct pkt_info *pkt, int64_t now)
{
	uint64_t wb = d->stats.would_block;
	enum mx_action action = policy_decide(&d->policy, pkt, now);
	char src[MX_ADDRSTRLEN], dst[MX_ADDRSTRLEN];

	if (action != MX_IGNORE && log_debug_enabled())
		log_debug("%s %s -> %s", policy_action_name(action),
		    addr_format(&pkt->src, src, sizeof(src)),
		    addr_format(&pkt->dst, dst, sizeof(dst)));
	mxd_report(d, action, &pkt->src, now, wb);
	mxd_find_siblings(d, action, &pkt->src, now);
	mxd_share(d, action, &pkt->src, now);
	return action;
}

/*
 * mxd_decide() for a packet pf has acted on already and logged: what pf
 * did to a real-MX SYN is what happened (pfpolicy.c).
 */
enum mx_action
mxd_decide_pf(struct mxd *d, const struct pflog_info *pfl,
    const struct pkt_info *pkt, int64_t now)
{
	uint64_t wb = d->stats.would_block;
	enum mx_action action = pfpolicy_decide(&d->policy, pfl, pkt, now);

	mxd_report(d, action, &pkt->src, now, wb);
	mxd_find_siblings(d, action, &pkt->src, now);
	mxd_share(d, action, &pkt->src, now);
	return action;
}

/*
 * The answering fake MX's peer, handshake complete: whitelisted through
 * the policy as a fake-MX hit would be, then into the reports and off to
 * the resolver for its siblings.  A renewed entry goes to the port again
 * too (pf: a table that lost it is mended before the peer is answered).
 */
static void
fake_peer(void *arg, const struct mx_addr *src)
{
	struct mxd *d = arg;
	int64_t now = mxd_now();
	enum mx_action action = policy_answered(&d->policy, src, now);
	struct mx_addr key;
	char buf[MX_ADDRSTRLEN];

	if (action == MX_REFRESH && d->port->added != NULL) {
		policy_key(&d->policy, src, &key);
		d->port->added(d, &key);
	}
	if (log_debug_enabled())
		log_debug("%s %s (answered by the fake MX)",
		    policy_action_name(action), addr_format(src, buf,
		    sizeof(buf)));
	report_note(d->report, action, src, now);
	mxd_share(d, action, src, now);
	mxd_find_siblings(d, action, src, now);
}

/* The batch's entries into the firewall before anybody is answered. */
static void
fake_flush(void *arg)
{
	struct mxd *d = arg;

	if (d->port->flush != NULL)
		d->port->flush(d);
}

/* An answered connection is over: logged, and kept in the tried list. */
static void
fake_done(void *arg, const struct tried_entry *rec)
{
	struct mxd *d = arg;
	const struct tried_entry *old = tried_find(d->tried, &rec->addr);
	struct tried_entry *e;
	char buf[MX_ADDRSTRLEN];
	unsigned i;

	if ((e = tried_add(d->tried, &rec->addr, rec->when, rec->answer)) !=
	    NULL) {
		*e = *rec;
		/* The name may have come with an earlier connection. */
		if (e->name[0] == '\0' && old != NULL && old != e)
			tried_copy(e->name, sizeof(e->name), old->name);
		rec = e;
	}
	if (rec->answer == 421) {
		log_info("fake MX answered 421 to %s%s%s%s",
		    addr_format(&rec->addr, buf, sizeof(buf)),
		    rec->name[0] ? " (" : "", rec->name,
		    rec->name[0] ? ")" : "");
		return;
	}
	log_info("fake MX answered 450 to %s%s%s%s: helo %s, from <%s>%s, "
	    "%u recipients%s%s%s%s%s%s", addr_format(&rec->addr, buf,
	    sizeof(buf)), rec->name[0] ? " (" : "", rec->name,
	    rec->name[0] ? ")" : "", rec->helo[0] ? rec->helo : "-",
	    rec->sender, rec->has_sender ? "" : " (none)", rec->rcpts_seen,
	    rec->nrcpts > 0 ? ": <" : "", rec->nrcpts > 0 ? rec->rcpts[0] :
	    "", rec->nrcpts > 0 ? ">" : "",
	    rec->nrcpts > 1 ? " <" : "", rec->nrcpts > 1 ? rec->rcpts[1] :
	    "", rec->nrcpts > 1 ? ">" : "");
	for (i = 2; i < rec->nrcpts; i++)
		log_debug("fake MX: %s also to <%s>", buf, rec->rcpts[i]);
}

/*
 * fake-answer 421 or 450: listen on port (25) of every fake MX address,
 * before the port drops privileges.  Fatal if any address cannot be
 * bound: the administrator asked for an answer there.
 */
void
mxd_fakemx_open(struct mxd *d, uint16_t port)
{
	struct fakemx_limits lim;
	struct fakemx_hooks hooks;
	char name[256], err[512];

	if (config_fake_answer(&d->cfg) == FAKE_ANSWER_RST)
		return;
	if ((d->tried = tried_create(TRIED_MAX)) == NULL)
		fatal("fake-answer");
	if (gethostname(name, sizeof(name)) == -1 || name[0] == '\0')
		tried_copy(name, sizeof(name), "localhost");
	name[sizeof(name) - 1] = '\0';
	lim.connections = (size_t)d->cfg.fake_answer_connections;
	lim.per_source = (size_t)d->cfg.fake_answer_per_source;
	lim.timeout_ms = d->cfg.fake_answer_timeout * 1000;
	hooks.peer = fake_peer;
	hooks.flush = fake_flush;
	hooks.done = fake_done;
	hooks.arg = d;
	if ((d->fakemx = fakemx_open(&d->cfg.fake, port,
	    config_fake_answer(&d->cfg), &lim, name, &hooks, &d->stats, err,
	    sizeof(err))) == NULL)
		fatalx("%s", err);
	mxd_point_policy(d);
}

/*
 * Start the resolver's threads, unless rDNS whitelisting is off.  Called
 * after every fork (daemonizing, privilege separation): threads do not
 * survive a fork.  With a resolver process (resolver_remote_fd), connect
 * to it instead: it starts its threads with these settings.
 */
void
mxd_resolver_start(struct mxd *d)
{
	struct resolver_config rc;

	if (d->cfg.no_rdns_whitelist || d->resolver != NULL)
		return;
	memset(&rc, 0, sizeof(rc));
	rc.threads = (unsigned)d->cfg.dns_threads;
	rc.queue_size = (size_t)d->cfg.dns_queue;
	rc.cache_size = (size_t)d->cfg.dns_cache_size;
	rc.cache_time = d->cfg.dns_cache_time;
	rc.max_addresses = (size_t)d->cfg.rdns_max_addresses;
	rc.forward_confirm = d->cfg.rdns_forward_confirm;
	if (d->resolver_remote_fd != -1)
		d->resolver = resolver_connect(d->resolver_remote_fd, &rc,
		    d->resolver_seed);
	else
		d->resolver = resolver_create(&rc, d->resolver_seed);
	if (d->resolver == NULL)
		fatal("resolver");
}

void
mxd_resolver_collect(struct mxd *d, int64_t now)
{
	if (d->resolver == NULL)
		return;
	if (resolver_collect(d->resolver, now, on_siblings, d) > 0 &&
	    d->port->flush != NULL)
		d->port->flush(d);
}

/*
 * The resolver's threads, queue and cache are sized at start; turning
 * rDNS whitelisting off stops them, turning it on starts them.  A
 * resolver process stays: it is told to stop, then configured anew.
 */
static void
resolver_changes(struct mxd *d, const struct mx_config *next)
{
	if (next->no_rdns_whitelist) {
		resolver_destroy(d->resolver);
		d->resolver = NULL;
		return;
	}
	if (d->resolver != NULL && (next->dns_threads != d->cfg.dns_threads ||
	    next->dns_queue != d->cfg.dns_queue ||
	    next->dns_cache_size != d->cfg.dns_cache_size ||
	    next->dns_cache_time != d->cfg.dns_cache_time ||
	    next->rdns_max_addresses != d->cfg.rdns_max_addresses ||
	    next->rdns_forward_confirm != d->cfg.rdns_forward_confirm)) {
		/* Restarted below with the new settings. */
		resolver_destroy(d->resolver);
		d->resolver = NULL;
	}
}

/* config_load_streams()'s opener: the port's. */
static FILE *
port_allow_open(void *arg, const char *path, char *err, size_t errlen)
{
	struct mxd *d = arg;

	return d->port->allow_open(d, path, err, errlen);
}

/*
 * The configuration file again: read here, or, for a port whose process
 * cannot reach it (the pf engine), from the stream the port opens, and
 * its allow-file likewise.
 */
static int
load_config(struct mxd *d, struct mx_config *next, char *err, size_t errlen)
{
	const char *path = config_path(&d->cmdline);
	FILE *fp = NULL;
	int rc;

	if (d->port->config_open != NULL) {
		err[0] = '\0';
		if ((fp = d->port->config_open(d, err, errlen)) == NULL &&
		    err[0] != '\0')
			return -1;
		rc = config_load_streams(next, &d->cmdline, fp, d->port->id,
		    d->port->allow_open != NULL ? port_allow_open : NULL, d,
		    err, errlen);
		if (fp != NULL)
			fclose(fp);
		return rc;
	}
	/* Gone, or out of reach in a chroot: not the same as "no file". */
	if (d->config_existed && access(path, R_OK) == -1) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return config_load(next, &d->cmdline, d->port->id, err, errlen);
}

/*
 * The listener is bound at start: fake-answer and its limits stay as they
 * are until a restart, and a fake MX address added by a reload has no
 * listener (its SYNs whitelist nobody in 421 and 450 mode).
 */
static void
keep_fake_answer(struct mxd *d, struct mx_config *next)
{
	char buf[MX_ADDRSTRLEN];
	size_t i;

	if (config_fake_answer(next) != config_fake_answer(&d->cfg) ||
	    next->fake_answer_connections != d->cfg.fake_answer_connections ||
	    next->fake_answer_per_source != d->cfg.fake_answer_per_source ||
	    next->fake_answer_timeout != d->cfg.fake_answer_timeout) {
		log_warnx("fake-answer changes need a restart: still %s",
		    d->cfg.fake_answer != NULL ? d->cfg.fake_answer : "rst");
		free(next->fake_answer);
		next->fake_answer = d->cfg.fake_answer;
		d->cfg.fake_answer = NULL;
		next->fake_answer_connections = d->cfg.fake_answer_connections;
		next->fake_answer_per_source = d->cfg.fake_answer_per_source;
		next->fake_answer_timeout = d->cfg.fake_answer_timeout;
	}
	if (d->fakemx == NULL)
		return;
	for (i = 0; i < next->fake.count; i++)
		if (!addrlist_contains(&d->cfg.fake, &next->fake.addrs[i]))
			log_warnx("fake-mailserver %s: no listener until a "
			    "restart; its SYNs whitelist nobody",
			    addr_format(&next->fake.addrs[i], buf,
			    sizeof(buf)));
	for (i = 0; i < d->cfg.fake.count; i++)
		if (!addrlist_contains(&next->fake, &d->cfg.fake.addrs[i]))
			log_warnx("fake-mailserver %s is gone, but its "
			    "listener answers until a restart",
			    addr_format(&d->cfg.fake.addrs[i], buf,
			    sizeof(buf)));
}

/*
 * SIGHUP, or the control socket's reload: read the configuration again.
 * A configuration with errors, or one the port refuses, is logged and the
 * old one stays in force; -1 then, with the reason in err.  The whitelist
 * is kept; a shorter whitelist-time or max-entries applies to the entries
 * already there too.
 */
int
mxd_reload(struct mxd *d, char *err, size_t errlen)
{
	struct mx_config next;
	bool sync_changed;

	if (load_config(d, &next, err, errlen) == -1) {
		log_warnx("reload failed, configuration unchanged: %s", err);
		return -1;
	}
	if (mxd_sync_check(&next, err, errlen) == -1) {
		log_warnx("reload failed, configuration unchanged: %s", err);
		config_free(&next);
		return -1;
	}
	if (d->port->reconfigure != NULL &&
	    d->port->reconfigure(d, &next) == -1) {
		log_warnx("reload refused, configuration unchanged");
		seterr(err, errlen, "the new configuration was refused (the "
		    "log says why); configuration unchanged");
		config_free(&next);
		return -1;
	}
	if (d->state_path != NULL && (next.state_file == NULL ||
	    strcmp(next.state_file, d->state_path) != 0))
		log_warnx("state-file changes need a restart: still %s",
		    d->state_path);
	if (strcmp(next.control_socket, d->cfg.control_socket) != 0 ||
	    (next.control_group == NULL) != (d->cfg.control_group == NULL) ||
	    (next.control_group != NULL &&
	    strcmp(next.control_group, d->cfg.control_group) != 0))
		log_warnx("control-socket and control-group changes need a "
		    "restart: still %s", d->cfg.control_socket);
	if (mxd_metrics_enabled(&next) != (d->metrics_path != NULL) ||
	    (d->metrics_path != NULL &&
	    strcmp(next.metrics_file, d->metrics_path) != 0))
		log_warnx("metrics-file changes need a restart: still %s",
		    d->metrics_path != NULL ? d->metrics_path : "none");
	keep_fake_answer(d, &next);
	if (next.whitelist_time < d->cfg.whitelist_time)
		wl_clamp_expiry(d->wl, mxd_now() + next.whitelist_time);
	wl_set_max(d->wl, (size_t)next.max_entries);
	log_set_level(mxd_log_level(&next));
	if (next.whitelist_prefix4 != d->cfg.whitelist_prefix4 ||
	    next.whitelist_prefix6 != d->cfg.whitelist_prefix6)
		log_warnx("whitelist-prefix changes apply to new entries; "
		    "existing ones keep their prefix until they expire");
	resolver_changes(d, &next);
	sync_changed = mxd_sync_changed(&d->cfg, &next);
	config_free(&d->cfg);
	d->cfg = next;
	mxd_point_policy(d);
	mxd_sync_reloaded(d, sync_changed);
	if (mxd_allow_load(d) == -1)
		log_warnx("reload: no memory for the new allow list; the old "
		    "one stays");
	if (d->resolver == NULL)
		mxd_resolver_start(d);
	log_info("configuration reloaded: %zu fake and %zu real MX addresses, "
	    "whitelist-time %llds", d->cfg.fake.count, d->cfg.real.count,
	    d->cfg.whitelist_time);
	return 0;
}

/*
 * Count a packet that cannot be decided (malformed, not TCP, a later
 * fragment); true for one that can.
 */
bool
mxd_decidable(struct mxd *d, enum pkt_result res)
{
	switch (res) {
	case PKT_TCP:
		return true;
	case PKT_MALFORMED:
		d->stats.parse_errors++;
		break;
	case PKT_NOT_TCP:
	case PKT_FRAGMENT:
		d->stats.ignored++;
		break;
	}
	return false;
}

/* Is there a state file to read and write ("none": no)? */
bool
mxd_state_enabled(const struct mx_config *cfg)
{
	return cfg->state_file != NULL && strcmp(cfg->state_file, "none") != 0;
}

static double
elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) * 1e3 +
	    (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

struct restore {
	struct mxd	*d;
	int64_t		 limit;		/* now + whitelist-time */
	size_t		 restored;
	size_t		 skipped;
};

/*
 * Take one saved entry, unless it was saved with another prefix (its key
 * is not a key of the current whitelist-prefix4/6), and no later than the
 * current whitelist-time allows.
 */
static void
restore_entry(void *arg, const struct mx_addr *key, int64_t expires)
{
	struct restore *r = arg;
	struct mx_addr want;

	policy_key(&r->d->policy, key, &want);
	if (!addr_equal(&want, key)) {
		r->skipped++;
		return;
	}
	if (wl_insert_value(r->d->wl, key, expires < r->limit ? expires :
	    r->limit, MX_ORIGIN_RESTORED) == WL_ADDED)
		r->restored++;
}

/*
 * Restore the whitelist of the last run.  A damaged file never stops the
 * daemon: what could be read is kept, the file is moved aside for the
 * administrator, and a new one is written at the next save.
 */
void
mxd_state_load(struct mxd *d)
{
	struct timespec start;
	struct whitelist *saved;
	struct restore r;
	char err[256], aside[PATH_MAX];
	size_t loaded;
	int rc;

	if (!mxd_state_enabled(&d->cfg))
		return;
	if ((d->state_path = strdup(d->cfg.state_file)) == NULL)
		fatal("state file");
	/*
	 * Unless the port writes the state itself, save through a descriptor
	 * of the directory.  (It is also a way out of a chroot for a
	 * compromised process, with its user's rights: the price of keeping
	 * the state outside.)
	 */
	if (d->port->state_open == NULL)
		d->state_dirfd = state_dir_open(d->state_path, &d->state_name,
		    &d->state_dir_made);
	d->saves_state = d->port->state_open != NULL || d->state_dirfd != -1;
	if ((saved = wl_create(0, mxd_random_seed(), NULL, NULL)) == NULL)
		fatal("state file");
	clock_gettime(CLOCK_MONOTONIC, &start);
	rc = state_load(d->state_path, saved, (int64_t)time(NULL), mxd_now(),
	    &loaded, err, sizeof(err));
	if (rc == STATE_DAMAGED) {
		snprintf(aside, sizeof(aside), "%s.corrupt", d->state_path);
		if (rename(d->state_path, aside) == 0)
			log_warnx("state file %s: %s: moved aside to %s; %zu "
			    "entries read before the damage", d->state_path,
			    err, aside, loaded);
		else
			log_warnx("state file %s: %s (%zu entries read)",
			    d->state_path, err, loaded);
	} else if (rc == STATE_UNREADABLE)
		log_warnx("state file %s: %s", d->state_path, err);
	memset(&r, 0, sizeof(r));
	r.d = d;
	r.limit = mxd_now() + d->cfg.whitelist_time;
	wl_foreach(saved, restore_entry, &r);
	wl_destroy(saved);
	if (rc == 0)
		log_info("restored %zu whitelist entries from %s in %.1f ms%s",
		    r.restored, d->state_path, elapsed_ms(&start),
		    r.skipped ? " (entries of another prefix skipped)" : "");
	if (r.restored > 0 && d->port->flush != NULL)
		d->port->flush(d);
}

/* Through the port's hooks: the same file, written by another process. */
static int
save_state_by_port(struct mxd *d, char *err, size_t errlen)
{
	int fd, rc;

	if ((fd = d->port->state_open(d, err, errlen)) == -1)
		return -1;
	rc = state_write(fd, d->wl, (int64_t)time(NULL), mxd_now(), err,
	    errlen);
	close(fd);
	if (rc == -1) {
		(void)d->port->state_close(d, false, NULL, 0);
		return -1;
	}
	return d->port->state_close(d, true, err, errlen);
}

/* The firewall's view of the whitelist into the core's (mx_port.readback). */
void
mxd_readback(struct mxd *d)
{
	if (d->port->readback != NULL)
		d->port->readback(d);
}

void
mxd_state_save(struct mxd *d)
{
	static struct log_ratelimit rl;
	char err[512];
	int rc;

	if (d->state_path == NULL || !d->saves_state)
		return;
	mxd_readback(d);
	if (d->port->state_open != NULL)
		rc = save_state_by_port(d, err, sizeof(err));
	else
		rc = state_save_at(d->state_dirfd, d->state_name, d->wl,
		    (int64_t)time(NULL), mxd_now(), err, sizeof(err));
	if (rc == -1)
		log_warn_limited(&rl, mxd_now(), "state file %s: %s",
		    d->state_path, err);
}

/* Is there a metrics file to write ("none": no)? */
bool
mxd_metrics_enabled(const struct mx_config *cfg)
{
	return cfg->metrics_file != NULL &&
	    strcmp(cfg->metrics_file, "none") != 0;
}

/*
 * The metrics file's place, at start: unless the port writes it (pf's
 * parent), a descriptor of its directory, which works after a chroot.
 */
void
mxd_metrics_open(struct mxd *d)
{
	d->metrics_dirfd = -1;
	if (!mxd_metrics_enabled(&d->cfg))
		return;
	if ((d->metrics_path = strdup(d->cfg.metrics_file)) == NULL)
		fatal("metrics file");
	if (d->port->metrics_open == NULL)
		d->metrics_dirfd = metrics_dir_open(d->metrics_path,
		    &d->metrics_name);
	d->saves_metrics = d->port->metrics_open != NULL ||
	    d->metrics_dirfd != -1;
}

/* Write the metrics file now, atomically; a failure is logged. */
void
mxd_metrics_save(struct mxd *d)
{
	static struct log_ratelimit rl;
	char err[512];
	int fd, rc;

	if (d->metrics_path == NULL || !d->saves_metrics)
		return;
	if (d->port->metrics_open != NULL) {
		if ((fd = d->port->metrics_open(d, err, sizeof(err))) == -1)
			rc = -1;
		else {
			rc = metrics_write(fd, &d->stats, wl_count(d->wl),
			    mxd_allow_entries(d), err, sizeof(err));
			close(fd);
			if (rc == -1)
				(void)d->port->metrics_close(d, false, NULL, 0);
			else
				rc = d->port->metrics_close(d, true, err,
				    sizeof(err));
		}
	} else
		rc = metrics_save_at(d->metrics_dirfd, d->metrics_name,
		    &d->stats, wl_count(d->wl), mxd_allow_entries(d), err,
		    sizeof(err));
	if (rc == -1)
		log_warn_limited(&rl, mxd_now(), "metrics file %s: %s",
		    d->metrics_path, err);
}

/* Hold the pidfile's lock for the daemon's life: it marks us running. */
static int
open_pidfile(const char *path)
{
	int fd;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1)
		fatal("pidfile %s", path);
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			fatalx("pidfile %s is locked: is mxallowd already "
			    "running?", path);
		fatal("lock %s", path);
	}
	return fd;
}

static void
write_pidfile(int fd, const char *path)
{
	char buf[32];
	int len;

	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, (size_t)len, 0) != len)
		fatal("write pidfile %s", path);
}

static int
poll_timeout(const struct mxd *d, int64_t now)
{
	int64_t next = wl_next_expiry(d->wl);

	if ((d->saves_state || d->saves_metrics) && d->next_save < next)
		next = d->next_save;
	if (d->allow != NULL && d->allow->nnames > 0 &&
	    mxd_allow_resolves(d) && d->allow_res == NULL &&
	    d->allow_next < next)
		next = d->allow_next;
	/*
	 * Entries the other gates have not heard of: try again, once
	 * connected (a new connection wakes the loop; before it, a catch-up
	 * due would make the loop spin).
	 */
	if (d->sync != NULL && d->sync_behind && d->stats.sync_connected &&
	    d->sync_next_catchup < next)
		next = d->sync_next_catchup;
	if (next == WL_NEVER)
		return -1;
	if (next <= now)
		return 0;
	/* Wake at least hourly; a long sleep gains nothing. */
	return next - now > 3600 ? 3600 * 1000 : (int)(next - now) * 1000;
}

static void
event_loop(struct mxd *d)
{
	/*
	 * The port, signals, the resolver, sync, the control socket's, then
	 * the fake MX's listeners and connections.
	 */
	struct pollfd *pfd;
	size_t nctl, nfake, fake_at;
	int timeout;
	char err[512];

	if ((pfd = calloc(4 + 1 + CTL_CLIENTS_MAX +
	    fakemx_nfds_max(d->fakemx), sizeof(*pfd))) == NULL)
		fatal("poll");

	pfd[0].fd = d->port->fd(d);
	pfd[0].events = POLLIN;
	pfd[1].fd = signal_pipe[0];
	pfd[1].events = POLLIN;
	pfd[2].events = POLLIN;
	pfd[3].events = POLLIN;
	while (!got_quit) {
		int64_t now = mxd_now();

		/* The firewall may have renewed what is due here. */
		if (wl_next_expiry(d->wl) <= now)
			mxd_readback(d);
		wl_expire(d->wl, now);
		mxd_allow_tick(d, now);
		if (now >= d->next_save) {
			mxd_state_save(d);
			mxd_metrics_save(d);
			d->next_save = now + d->cfg.state_interval;
		}
		/* The resolver may come and go on reload. */
		pfd[2].fd = d->resolver ? resolver_fd(d->resolver) : -1;
		pfd[2].revents = 0;
		/* And sync, on reload too. */
		pfd[3].fd = mxd_sync_fd(d);
		pfd[3].revents = 0;
		nctl = d->control == NULL ? 0 :
		    control_pollfds(d->control, pfd + 4, 1 + CTL_CLIENTS_MAX);
		fake_at = 4 + nctl;
		nfake = d->fakemx == NULL ? 0 : fakemx_pollfds(d->fakemx,
		    pfd + fake_at, fakemx_nfds_max(d->fakemx));
		timeout = poll_timeout(d, now);
		if (d->control != NULL)
			timeout = control_timeout(d->control, timeout);
		timeout = fakemx_timeout(d->fakemx, timeout);
		if (poll(pfd, fake_at + nfake, timeout) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[1].revents & POLLIN)
			drain_signal_pipe();
		/* Its counters too, for the statistics below. */
		mxd_sync_input(d, mxd_now(), pfd[3].revents & POLLIN);
		if (got_reload) {
			got_reload = 0;
			(void)mxd_reload(d, err, sizeof(err));
		}
		if (got_stats) {
			got_stats = 0;
			stats_log(&d->stats, wl_count(d->wl), mxd_allow_entries(d));
		}
		if (pfd[0].revents & (POLLIN | POLLERR))
			d->port->input(d);
		/* A resolver process's end of file too: its client stops. */
		if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR))
			mxd_resolver_collect(d, mxd_now());
		/* After the packets: a peer's SYN was decided before it. */
		if (d->fakemx != NULL)
			fakemx_serve(d->fakemx, pfd + fake_at, nfake);
		/* Last: a command sees the packets that came with it. */
		if (d->control != NULL)
			control_serve(d->control, pfd + 4, nctl);
	}
	free(pfd);
}

static int
usage_error(const struct mxd *d, const char *err)
{
	fprintf(stderr, "%s: %s\n", d->progname, err);
	fprintf(stderr, "Try '%s --help' for more information.\n",
	    d->progname);
	return 1;
}

/*
 * Read the command line and the configuration file into a new *d for the
 * port.  Returns true if the program goes on, as the daemon (mxd_run()) or,
 * with -R, as the replay (replay_run()); false if it is done, with its exit
 * status in *status: after --help or --version, or a usage or
 * configuration error told on standard error.
 */
bool
mxd_configure(struct mxd *d, const struct mx_port *port, int argc,
    char **argv, int *status)
{
	char err[512];

	memset(d, 0, sizeof(*d));
	d->state_dirfd = -1;
	d->metrics_dirfd = -1;
	d->resolver_remote_fd = -1;
	d->names_remote_fd = -1;
	d->pidfile_fd = -1;
	d->port = port;
	d->progname = "mxallowd";
	config_init(&d->cmdline);
	*status = 0;
	switch (config_parse_args(&d->cmdline, argc, argv, port->id, err,
	    sizeof(err))) {
	case CONFIG_ARGS_ERROR:
		*status = usage_error(d, err);
		return false;
	case CONFIG_ARGS_HELP:
		config_usage(stdout, d->progname, port->id);
		return false;
	case CONFIG_ARGS_VERSION:
		printf("mxallowd %s (%s)\n", MXALLOWD_VERSION, port->name);
		return false;
	case CONFIG_ARGS_OK:
		break;
	}
	if (config_load(&d->cfg, &d->cmdline, port->id, err, sizeof(err)) ==
	    -1) {
		fprintf(stderr, "%s: %s\n", d->progname, err);
		*status = 1;
		return false;
	}
	if (mxd_sync_check(&d->cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", d->progname, err);
		config_free(&d->cfg);
		*status = 1;
		return false;
	}
	/* Now: a chroot or pledge may keep /dev/urandom from a reload. */
	d->resolver_seed = mxd_random_seed();
	return true;
}

/*
 * The control socket, in the process that keeps the whitelist: made
 * before the port confines it (pf's engine is chrooted), served from the
 * loop.  Its group is control-group, or the primary group of user.
 */
void
mxd_control_open(struct mxd *d)
{
	const char *path = d->cfg.control_socket;
	struct passwd *pw;
	struct group *gr;
	gid_t gid = (gid_t)-1;
	char err[512];

	if (path == NULL || strcmp(path, "none") == 0)
		return;
	if (d->cfg.control_group != NULL) {
		if ((gr = getgrnam(d->cfg.control_group)) == NULL)
			fatalx("control-group %s: no such group",
			    d->cfg.control_group);
		gid = gr->gr_gid;
	} else if (d->cfg.user != NULL &&
	    (pw = getpwnam(d->cfg.user)) != NULL)
		gid = pw->pw_gid;
	d->control = control_open(path, 0660, (uid_t)-1, gid, err,
	    sizeof(err));
	/*
	 * user's group is only a guess at who should use the socket: root
	 * without CAP_CHOWN (the systemd unit's bounding set) cannot give
	 * the socket to it, and keeps it to itself.
	 */
	if (d->control == NULL && d->cfg.control_group == NULL &&
	    gid != (gid_t)-1) {
		d->control = control_open(path, 0660, (uid_t)-1, (gid_t)-1,
		    err, sizeof(err));
		if (d->control != NULL)
			log_notice("control socket %s: cannot give it to "
			    "user %s's group, only root may use it", path,
			    d->cfg.user);
	}
	/*
	 * A socket the administrator asked for must be there; the default
	 * one is a convenience, and a daemon started unprivileged or under
	 * a read-only /run (systemd's ProtectSystem=strict) runs without it.
	 */
	if (d->control == NULL && (d->cfg.given & (1ULL << OPT_CONTROL_SOCKET)))
		fatalx("%s", err);
	if (d->control == NULL) {
		log_warnx("%s: no control socket (set control-socket to a "
		    "place mxallowd may create it, or to none)", err);
		return;
	}
	control_set_handler(d->control, mxd_control, d);
	control_set_peer(d->control, d->port->peer_cred);
}

/* The daemon, configured by mxd_configure(), until a signal ends it. */
int
mxd_run(struct mxd *d)
{
	const struct mx_port *port = d->port;
	bool want_pidfile;

	log_init(d->progname, d->cfg.to_stdout,
	    mxd_log_level(&d->cfg));
	if (mxd_init_core(d, mxd_random_seed()) == -1)
		fatal("whitelist");
	setup_signals(port);
	/* Lock first: a second instance must fail before it touches the firewall. */
	want_pidfile = !d->cfg.foreground ||
	    (d->cfg.given & (1ULL << OPT_PIDFILE));
	if (want_pidfile) {
		d->pidfile_fd = open_pidfile(d->cfg.pidfile);
		if ((d->pidfile_path = strdup(d->cfg.pidfile)) == NULL)
			fatal("pidfile");
	}
	d->config_existed = access(config_path(&d->cmdline), F_OK) == 0;
	port->start(d);
	/* Before the port confines the process that serves them. */
	mxd_fakemx_open(d, mxd_fake_port);
	mxd_control_open(d);
	d->started = mxd_now();
	mxd_state_load(d);
	mxd_metrics_open(d);
	if (!d->cfg.foreground && daemon(0, d->cfg.to_stdout) == -1)
		fatal("daemon");
	if (d->pidfile_path != NULL)
		write_pidfile(d->pidfile_fd, d->pidfile_path);
	if (port->confine != NULL)
		port->confine(d);
	mxd_resolver_start(d);
	/* Its thread, like the resolver's, after every fork. */
	mxd_sync_start(d);
	d->next_save = mxd_now() + d->cfg.state_interval;
	mxd_metrics_save(d);

	log_notice("started (%s port): %zu fake and %zu real MX addresses, "
	    "whitelist-time %llds", port->name, d->cfg.fake.count,
	    d->cfg.real.count, d->cfg.whitelist_time);
	event_loop(d);
	log_notice("exiting on signal");
	stats_log(&d->stats, wl_count(d->wl), mxd_allow_entries(d));
	mxd_state_save(d);
	mxd_metrics_save(d);
	mxd_sync_stop(d);
	port->stop(d);
	/* After a privilege drop the unlink may fail: the next run replaces it. */
	control_close(d->control, true);
	fakemx_close(d->fakemx);
	tried_destroy(d->tried);
	resolver_destroy(d->resolver);
	mxd_allow_free(d);
	/* After a privilege drop this may fail; the lock has gone anyway. */
	if (d->pidfile_path != NULL && unlink(d->pidfile_path) == -1)
		log_debug("unlink %s: %s", d->pidfile_path, strerror(errno));
	free(d->pidfile_path);
	free(d->state_path);
	if (d->state_dirfd != -1)
		close(d->state_dirfd);
	if (d->metrics_path != NULL && d->metrics_dirfd != -1)
		close(d->metrics_dirfd);
	free(d->metrics_path);
	wl_destroy(d->wl);
	report_destroy(d->report);
	config_free(&d->cfg);
	config_free(&d->cmdline);
	return 0;
}
