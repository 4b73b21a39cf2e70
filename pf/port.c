/*
 * The pf port.  pf logs the SYNs to the mail ports (rules with "log" and
 * pflog0); the daemon reads them from the pflog interface, decides with the
 * common policy, and keeps a pf table of whitelisted senders that the
 * rules pass to the real MX:
 *
 *	table <mx-white> persist
 *	block return in log proto tcp to $fake_mx port smtp
 *	block in log proto tcp to $real_mx port smtp
 *	pass in log proto tcp from <mx-white> to $real_mx port smtp
 *
 * pf, not the daemon, lets packets through or drops them; the daemon only
 * changes the table.  Start-up (start, as root): open the capture and
 * /dev/pf (read-write: pf refuses changes through a read-only
 * descriptor), create the table, read pf's limits and say which one
 * max-entries goes past, and adopt what an earlier run left in the
 * table.  The confine hook, which the core calls after daemon(3) and
 * after writing the pidfile, splits the daemon into its three processes
 * (split(); the design is at the top of privsep.c): the privileged parent
 * stays in parent.c's loop, the resolver process in resolver_serve(), and
 * the engine, confined, returns to the core's loop.
 *
 * The state file and the configuration file: the engine can open neither,
 * so the parent writes the one for the core (statefile.c; the core fills
 * the temporary file the parent opens) and opens the other on SIGHUP.
 *
 * Table changes are queued while a batch of captured packets is handled
 * and leave together after it (table.c).  Entries that leave the whitelist
 * outside a batch (expiry, at the top of the core's loop) leave the table
 * as soon as the last entry due at that moment has gone.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "control.h"
#include "daemon.h"
#include "fakemx.h"
#include "log.h"
#include "metrics.h"
#include "parent.h"
#include "peercred.h"
#include "pflog.h"
#include "port.h"
#include "privsep.h"
#include "resolver.h"
#include "resolver_msg.h"
#include "state.h"
#include "statefile.h"
#include "table.h"

struct pf_state {
	struct capture		*cap;
	struct pftable		*table;
	struct privsep		*ps;
	struct privsep_user	 user;
	struct state_writer	 writer;	/* without privsep: tests */
	struct state_writer	 metrics;	/* likewise, the metrics file */
	struct pfk_limits	 limits;	/* read at start */
	int			 pffd;
	bool			 separate;	/* false: tests only */
	bool			 confine;	/* false: tests only */
	bool			 confined;	/* split: the engine exits */
	int			 logs[2];	/* children's lines to the parent */
	long long		 max_at_split;	/* max-entries when confined */
	bool			 batching;	/* queue; pft_flush() follows */
	bool			 adopting;	/* entries come from the table */
	int64_t			 now;		/* of the batch being handled */
	int64_t			 drops_checked;
	struct allow_net	*allowed;	/* the allow list in the table */
	size_t			 nallowed;
	struct sync_target	 sync;		/* without privsep: tests */
};

static void	allow_sync(struct mxd *, struct pf_state *, bool);

static struct pf_state	pf_state = {
	.pffd = -1, .separate = true, .confine = true, .logs = { -1, -1 },
	.writer = { .dirfd = -1 }, .metrics = { .dirfd = -1 }
};

/* The resolver process's DNS calls: NULL, the system's (tests: theirs). */
const struct resolver_config *pf_resolver_hooks;

/* Tests run the port in one process, as root or not: no privsep. */
void
pf_port_no_privsep(void)
{
	pf_state.separate = false;
}

/* Tests run the three processes, as root or not, unconfined. */
void
pf_port_no_confinement(void)
{
	pf_state.confine = false;
}

/*
 * pf's limits, read once: say which one max-entries goes past, and the
 * line that raises it.  On OpenBSD an addition past the table-entries
 * limit would wait for room and hold up every pf request meanwhile (see
 * struct pfk_limits): the whitelist stays within the room instead.
 */
static void
check_limits(struct mxd *d, struct pf_state *st)
{
	struct pfk_limits *lim = &st->limits;
	unsigned long long want = (unsigned long long)d->cfg.max_entries;
	unsigned long long room, limit, need;
	int err;

	if ((err = pfk_get_limits(st->pffd, lim)) != 0)
		log_warnx("pf: cannot read the table-entries limit, "
		    "max-entries not checked against it: %s", strerror(err));
	pft_set_request_max(st->table, lim->request_max);
	room = lim->room;
	limit = lim->table_entries;
	if (room != 0 && want > room) {
		/* What the limit must be for max-entries to fit. */
		need = want + (limit - room);
		if (lim->add_waits) {
			wl_set_max(d->wl, (size_t)room);
			log_warnx("max-entries %llu does not fit pf's "
			    "table-entries limit %llu (shared by all tables; "
			    "an addition needs room for its %d addresses at "
			    "once): the whitelist holds at most %llu; raise "
			    "the limit with \"set limit table-entries %llu\" "
			    "in pf.conf", want, limit, PFT_BATCH, room, need);
		} else
			log_warnx("max-entries %llu is more than pf's "
			    "table-entries limit %llu (shared by all tables): "
			    "additions past it fail; raise it with \"set limit "
			    "table-entries %llu\" in pf.conf", want, limit,
			    need);
	}
	if (lim->request_max != 0 && want > lim->request_max)
		log_warnx("max-entries %llu is more than pf returns in one "
		    "request (net.pf.request_maxcount %llu): a table that "
		    "full cannot be adopted at the next start; raise it with "
		    "\"sysctl net.pf.request_maxcount=%llu\" (and in "
		    "/etc/sysctl.conf)", want,
		    (unsigned long long)lim->request_max, want);
}

/*
 * The table holds more than FreeBSD returns in one request: nothing can
 * be adopted.  The state file, read next, has the whitelist of the last
 * run, and its entries reach the table again as they are restored.
 */
static void
adoption_refused(const struct mxd *d, const struct pf_state *st, size_t n)
{
	unsigned long long want = (unsigned long long)d->cfg.max_entries;
	char cap[32] = "";

	if (st->limits.request_max != 0)
		snprintf(cap, sizeof(cap), " %llu",
		    (unsigned long long)st->limits.request_max);
	if (want < n)
		want = n;
	log_warnx("pf table <%s> holds %zu entries, more than pf returns in "
	    "one request (net.pf.request_maxcount%s): none adopted, %s; "
	    "raise it with \"sysctl net.pf.request_maxcount=%llu\"",
	    d->cfg.table, n, cap, mxd_state_enabled(&d->cfg) ?
	    "the state file's entries stand in for them" :
	    "and those not whitelisted again stay until the table is flushed",
	    want);
}

/* Take over what an earlier run left in the table. */
static void
adopt(struct mxd *d, struct pf_state *st)
{
	struct pft_astat *entries;
	size_t n, adopted;
	int err;

	err = pfk_get_astats(st->pffd, d->cfg.table, st->limits.request_max,
	    &entries, &n);
	if (err == E2BIG) {
		adoption_refused(d, st, n);
		return;
	}
	if (err != 0) {
		log_warnx("pf table <%s>: cannot read its entries, none "
		    "adopted: %s", d->cfg.table, strerror(err));
		return;
	}
	st->batching = true;
	st->adopting = true;
	adopted = pft_adopt(st->table, entries, n, d->cfg.whitelist_time,
	    mxd_now(), (int64_t)time(NULL));
	st->batching = false;
	st->adopting = false;
	free(entries);
	pft_flush(st->table);
	log_info("pf table <%s>: %zu of %zu entries adopted", d->cfg.table,
	    adopted, n);
}

/* The state file to write, or NULL. */
static const char *
state_file(const struct mxd *d)
{
	return mxd_state_enabled(&d->cfg) ? d->cfg.state_file : NULL;
}

/* The metrics file to write, or NULL. */
static const char *
metrics_file(const struct mxd *d)
{
	return mxd_metrics_enabled(&d->cfg) ? d->cfg.metrics_file : NULL;
}

/*
 * The resolver process: lookups for the engine, as the user, pledged on
 * OpenBSD for nothing else.  Signals are the parent's business: it ends
 * this process with SIGTERM, or the engine's end of the socket closes.
 */
/* What ps(1) shows for each process, on the systems that can say it. */
static void
set_title(const char *what)
{
#if defined(__OpenBSD__) || defined(__FreeBSD__)
	setproctitle("%s", what);
#else
	(void)what;
#endif
}

/*
 * The signals the three processes handle are held from just before the
 * forks until each process has its own handlers: one that came in
 * between would reach the core's handler in the parent, which no longer
 * looks at what it sets.  Held, it waits for the right one.
 */
static sigset_t	held_signals;

static void
block_signals(void)
{
	sigemptyset(&held_signals);
	sigaddset(&held_signals, SIGHUP);
	sigaddset(&held_signals, SIGUSR1);
	sigaddset(&held_signals, SIGTERM);
	sigaddset(&held_signals, SIGINT);
	sigaddset(&held_signals, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &held_signals, NULL) == -1)
		fatal("sigprocmask");
}

static void
unblock_signals(void)
{
	if (sigprocmask(SIG_UNBLOCK, &held_signals, NULL) == -1)
		fatal("sigprocmask");
}

/* SIGTERM from the parent, and only from it, ends the resolver. */
static void
resolver_on_term(int sig, siginfo_t *info, void *context)
{
	(void)sig;
	(void)context;
	if (info != NULL && info->si_pid == getppid())
		_exit(0);
}

static void __attribute__((noreturn))
resolver_main(struct pf_state *st, int sock, int names, uint64_t seed)
{
	struct resolver_serve_stats rs;
	struct privsep_keep keep;
	struct sigaction sa;
	int rc;

	/* What it inherited and does not use goes. */
	memset(&keep, 0, sizeof(keep));
	privsep_keep_fd(&keep, sock, PRIVSEP_KEEP_CHANNEL);
	privsep_keep_fd(&keep, names, PRIVSEP_KEEP_CHANNEL);
	privsep_keep_fd(&keep, st->logs[1], PRIVSEP_KEEP_CHANNEL);
	privsep_close_others(&keep);

	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = resolver_on_term;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGTERM, &sa, NULL) == -1)
		fatal("sigaction");
	unblock_signals();
	set_title("resolver");
	/* The seed was read before: under pledge "stdio dns" no open(2). */
	if (st->confine)
		privsep_drop_resolver(&st->user);
	/* The allow list's names: a thread of their own. */
	if (resolver_names_start(names, pf_resolver_hooks) == -1)
		log_warnx("resolver process: cannot serve the allow list's "
		    "host names");
	memset(&rs, 0, sizeof(rs));
	rc = resolver_serve(sock, pf_resolver_hooks, seed, &rs);
	if (rs.refused > 0)
		log_warnx("resolver process: %llu requests refused",
		    (unsigned long long)rs.refused);
	_exit(rc == 0 ? 0 : 1);
}

static pid_t
fork_or_die(const char *what)
{
	pid_t pid;

	if ((pid = fork()) == -1)
		fatal("fork the %s process", what);
	return pid;
}

/*
 * The parent's part: serve the engine until it is gone, then remove the
 * pidfile, which only root may, and exit.  Never returns.
 */
static void __attribute__((noreturn))
parent_main(struct mxd *d, struct pf_state *st, int sock, pid_t engine,
    pid_t resolver)
{
	struct parent par;
	char err[512];
	int rc;

	capture_close(st->cap);
	st->cap = NULL;
	memset(&par, 0, sizeof(par));
	par.d = d;
	par.engine = engine;
	par.resolver = resolver;
	par.logfd = st->logs[0];
	privsep_server_init(&par.srv, sock, st->pffd, d->cfg.table);
	par.srv.request_max = st->limits.request_max;
	par.srv.config_path = config_path(&d->cmdline);
	par.srv.config_required = d->cmdline.config_file != NULL;
	/* Once: the parent may not reach the resolver's files later. */
	if (sync_target_resolve(d->cfg.sync_url, &par.srv.sync, err,
	    sizeof(err)) == -1)
		fatalx("sync: %s", err);
	state_writer_init(&st->writer, state_file(d));
	if (state_file(d) != NULL)
		par.srv.sw = &st->writer;
	metrics_writer_init(&st->metrics, metrics_file(d));
	if (metrics_file(d) != NULL)
		par.srv.mw = &st->metrics;
	if (st->confine) {
		privsep_confine_parent(d->pidfile_path, &st->writer,
		    par.srv.config_path, state_file(d), &st->metrics,
		    metrics_file(d), d->cfg.allow_file,
		    par.srv.sync.addr.ss_family == AF_UNIX ?
		    ((struct sockaddr_un *)&par.srv.sync.addr)->sun_path :
		    NULL);
#ifdef __OpenBSD__
		/* unveil(2) has fixed it ("": none); reloads free cfg's. */
		if ((par.allow_fixed = strdup(d->cfg.allow_file != NULL ?
		    d->cfg.allow_file : "")) == NULL)
			fatal("strdup");
#endif
	}
	log_info("privileged parent: engine process %ld, resolver process %ld",
	    (long)engine, (long)resolver);
	rc = parent_run(&par);
	state_writer_free(&st->writer);
	state_writer_free(&st->metrics);
	if (d->pidfile_path != NULL && unlink(d->pidfile_path) == -1)
		log_warn("unlink %s", d->pidfile_path);
	log_notice("exiting%s", rc == 0 ? "" : " after a failure");
	exit(rc);
}

/*
 * Split into the three processes of privsep.c: the resolver, the engine
 * and the privileged parent, which is this process (the pidfile names
 * it).  Returns in the engine only.
 */
static void
split(struct mxd *d, struct pf_state *st)
{
	int channel[2], lookups[2], names[2];
	pid_t engine, resolver;

	block_signals();
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, channel) == -1 ||
	    resolver_socketpair(lookups) == -1 ||
	    resolver_socketpair(names) == -1 ||
	    socketpair(AF_UNIX, SOCK_DGRAM, 0, st->logs) == -1)
		fatal("socketpair");
	if (fcntl(st->logs[0], F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(st->logs[1], F_SETFD, FD_CLOEXEC) == -1)
		fatal("fcntl");
	if ((resolver = fork_or_die("resolver")) == 0) {
		close(st->logs[0]);
		log_forward(st->logs[1]);
		close(channel[0]);
		close(channel[1]);
		close(lookups[0]);
		close(names[0]);
		close(st->pffd);
		if (d->pidfile_fd != -1)
			close(d->pidfile_fd);
		capture_close(st->cap);
		control_close(d->control, false);
		d->control = NULL;
		fakemx_close(d->fakemx);
		d->fakemx = NULL;
		resolver_main(st, lookups[1], names[1],
		    d->resolver_seed ^ 0x9e3779b97f4a7c15ULL);
	}
	close(lookups[1]);
	close(names[1]);
	if ((engine = fork_or_die("engine")) != 0) {
		close(channel[1]);
		close(lookups[0]);
		close(names[0]);
		close(st->logs[1]);
		st->logs[1] = -1;
		/* The engine serves the control socket; the file stays. */
		control_close(d->control, false);
		d->control = NULL;
		/* And the fake MX, in the process that owns the whitelist. */
		fakemx_close(d->fakemx);
		d->fakemx = NULL;
		parent_main(d, st, channel[0], engine, resolver);
	}
	/*
	 * The engine: no /dev/pf, no pidfile; the table through the parent,
	 * its log lines too.
	 */
	close(st->logs[0]);
	st->logs[0] = -1;
	log_forward(st->logs[1]);
	mxd_signals_from(getppid());
	unblock_signals();
	set_title("engine");
	close(channel[0]);
	close(st->pffd);
	st->pffd = -1;
	if (d->pidfile_fd != -1) {
		close(d->pidfile_fd);
		d->pidfile_fd = -1;
	}
	if (fcntl(channel[1], F_SETFD, FD_CLOEXEC) == -1)
		fatal("fcntl");
	st->ps = privsep_connect(channel[1], d->cfg.table);
	pft_set_exec(st->table, privsep_exec, st->ps);
	d->resolver_remote_fd = lookups[0];
	d->names_remote_fd = names[0];
}

static void
pf_start(struct mxd *d)
{
	struct pf_state *st = &pf_state;
	char err[512];

	d->port_state = st;
	if (privsep_lookup_user(d->cfg.user, &st->user, err, sizeof(err))
	    == -1)
		fatalx("%s", err);
	st->cap = capture_open_live(d->cfg.pflog_interface,
	    d->cfg.pcap_filter, err, sizeof(err));
	if (st->cap == NULL)
		fatalx("%s", err);
	if ((st->pffd = pfk_open()) == -1)
		fatal("%s", PFT_DEVICE);
	st->table = pft_create(d->cfg.table, d->wl, pfk_exec_fd, &st->pffd);
	if (st->table == NULL)
		fatalx("table %s: a pf table name has 1 to %d characters",
		    d->cfg.table, PFT_NAME_SIZE - 1);
	pft_set_error_counter(st->table, &d->stats.port_errors);
	pft_set_prefixes(st->table, (unsigned)d->cfg.whitelist_prefix4,
	    (unsigned)d->cfg.whitelist_prefix6);
	if (pft_ensure(st->table) == -1)
		fatalx("cannot create pf table <%s>", d->cfg.table);
	check_limits(d, st);
	adopt(d, st);
	allow_sync(d, st, true);
	if (!st->separate) {
		state_writer_init(&st->writer, state_file(d));
		metrics_writer_init(&st->metrics, metrics_file(d));
	}
}

/*
 * The answering fake MX's listeners stay with the engine, which owns the
 * whitelist: a peer's table entry goes to the parent and is in pf before
 * the engine answers it (pf_flush() waits for the parent's answer).
 */
static void
keep_fake_mx(struct mxd *d, struct privsep_keep *keep)
{
	int fds[PRIVSEP_KEEP_MAX];
	size_t i, n;

	if (d->fakemx == NULL)
		return;
	n = fakemx_listeners(d->fakemx, fds, PRIVSEP_KEEP_MAX);
	if (n + keep->count + 3 > PRIVSEP_KEEP_MAX)
		fatalx("fake-answer: at most %d fake MX addresses on the pf "
		    "port", PRIVSEP_KEEP_MAX - (int)keep->count - 3);
	for (i = 0; i < n; i++)
		privsep_keep_fd(keep, fds[i], PRIVSEP_KEEP_INET_LISTENER);
	keep->extra = fakemx_fds_max(d->fakemx);
}

/*
 * Split and confine the engine.  Not in start: the core calls daemon(3),
 * which forks, and writes the pidfile after start, and the three
 * processes come after both (the parent is the daemon the pidfile names).
 */
static void
pf_confine(struct mxd *d)
{
	struct pf_state *st = d->port_state;
	struct privsep_keep keep;
	int sigfds[2];

	if (!st->separate)
		return;
	split(d, st);
	memset(&keep, 0, sizeof(keep));
	privsep_keep_fd(&keep, capture_fd(st->cap), PRIVSEP_KEEP_CAPTURE);
	privsep_keep_fd(&keep, privsep_fd(st->ps), PRIVSEP_KEEP_CHANNEL);
	privsep_keep_fd(&keep, d->resolver_remote_fd, PRIVSEP_KEEP_CHANNEL);
	privsep_keep_fd(&keep, d->names_remote_fd, PRIVSEP_KEEP_CHANNEL);
	privsep_keep_fd(&keep, st->logs[1], PRIVSEP_KEEP_CHANNEL);
	mxd_signal_fds(sigfds);
	privsep_keep_fd(&keep, sigfds[0], PRIVSEP_KEEP_CHANNEL);
	privsep_keep_fd(&keep, sigfds[1], PRIVSEP_KEEP_CHANNEL);
	if (d->control != NULL)
		privsep_keep_fd(&keep, control_fd(d->control),
		    PRIVSEP_KEEP_LISTENER);
	keep_fake_mx(d, &keep);
	privsep_keep_fd(&keep, STDIN_FILENO, PRIVSEP_KEEP_IDLE);
	privsep_keep_fd(&keep, STDOUT_FILENO, PRIVSEP_KEEP_OUTPUT);
	privsep_keep_fd(&keep, STDERR_FILENO, PRIVSEP_KEEP_OUTPUT);
	st->confined = true;
	st->max_at_split = d->cfg.max_entries;
	privsep_close_others(&keep);
	if (st->confine)
		privsep_drop(&st->user, &keep,
		    STATE_SIZE_MAX(d->cfg.max_entries) > METRICS_SIZE_MAX ?
		    STATE_SIZE_MAX(d->cfg.max_entries) : METRICS_SIZE_MAX);
	else
		privsep_limit(&keep);	/* tests: recorded where they can */
}

static int
pf_fd(struct mxd *d)
{
	struct pf_state *st = d->port_state;

	return capture_fd(st->cap);
}

/* The table entry of a whitelist key: its network, as the core keys it. */
static unsigned
key_prefix(const struct mxd *d, const struct mx_addr *key)
{
	return addr_prefix_bits(key, (unsigned)d->cfg.whitelist_prefix4,
	    (unsigned)d->cfg.whitelist_prefix6);
}

/*
 * The allow list's entries are table entries that expiry never removes:
 * the port keeps what it put in the table and makes the table follow the
 * list (new entries in, entries gone out, unless the whitelist has the
 * same one).  all: add them all again (the table lost them).
 */
static void
allow_sync(struct mxd *d, struct pf_state *st, bool all)
{
	const struct mx_allow *al = d->allow;
	struct allow_net *copy = NULL;
	size_t i, j, n = al != NULL ? al->count : 0;

	if (st->table == NULL)
		return;
	for (i = 0; i < st->nallowed; i++) {
		const struct allow_net *o = &st->allowed[i];

		if (allow_has(al, &o->addr, o->bits))
			continue;
		if (wl_contains(d->wl, &o->addr, mxd_now()) &&
		    key_prefix(d, &o->addr) == o->bits)
			continue;
		pft_del(st->table, &o->addr, o->bits);
	}
	for (i = 0; i < n; i++) {
		for (j = 0; !all && j < st->nallowed; j++)
			if (st->allowed[j].bits == al->nets[i].bits &&
			    addr_equal(&st->allowed[j].addr, &al->nets[i].addr))
				break;
		if (all || j == st->nallowed)
			pft_add(st->table, &al->nets[i].addr, al->nets[i].bits);
	}
	if (!st->batching)
		pft_flush(st->table);
	if (n > 0 && (copy = reallocarray(NULL, n, sizeof(*copy))) == NULL) {
		log_warnx("allow: out of memory");
		return;
	}
	if (n > 0)
		memcpy(copy, al->nets, n * sizeof(*copy));
	free(st->allowed);
	st->allowed = copy;
	st->nallowed = n;
}

static void
pf_allow_changed(struct mxd *d)
{
	struct pf_state *st = d->port_state;

	if (st != NULL)
		allow_sync(d, st, false);
}

static void
on_packet(void *arg, const struct pflog_info *pfl, const struct pkt_info *pkt,
    enum pkt_result res, int64_t ts)
{
	struct mxd *d = arg;
	struct pf_state *st = d->port_state;
	struct mx_addr key;

	(void)ts;
	if (!mxd_decidable(d, res))
		return;
	switch (mxd_decide_pf(d, pfl, pkt, st->now)) {
	case MX_REFRESH:
	case MX_BLOCK:
		/*
		 * New entries reach the table through pf_added().  A renewed
		 * sender is added again (harmless if it is there, and it
		 * mends a table that lost it); a blocked SYN from a sender
		 * the core holds as whitelisted lost the race against the
		 * addition, or pf lost the entry: add it.
		 */
		policy_key(&d->policy, &pkt->src, &key);
		if (wl_contains(d->wl, &key, st->now))
			pft_add(st->table, &key, key_prefix(d, &key));
		/* An allowed sender dropped: the table lost the list. */
		if (allow_match(d->allow, &pkt->src))
			allow_sync(d, st, true);
		break;
	case MX_WHITELIST:
	case MX_IGNORE:
	case MX_PASS:
		break;
	}
}

/*
 * Every entry that enters the whitelist enters the table: senders, their
 * reverse-DNS siblings, networks.  Not those adopted from the table.
 */
static void
pf_added(struct mxd *d, const struct mx_addr *key)
{
	struct pf_state *st = d->port_state;

	if (st == NULL || st->table == NULL || st->adopting)
		return;
	pft_add(st->table, key, key_prefix(d, key));
}

/* The resolver's siblings of one batch leave in one request. */
static void
pf_flush(struct mxd *d)
{
	struct pf_state *st = d->port_state;

	if (st != NULL && st->table != NULL && !st->batching)
		pft_flush(st->table);
}

static void
pf_input(struct mxd *d)
{
	struct pf_state *st = d->port_state;
	uint64_t drops;

	st->now = mxd_now();
	st->batching = true;
	if (capture_dispatch(st->cap, on_packet, d) == -1)
		fatalx("capture on %s: %s", d->cfg.pflog_interface,
		    capture_error(st->cap));
	st->batching = false;
	pft_flush(st->table);
	if (st->now != st->drops_checked) {
		st->drops_checked = st->now;
		if (capture_drops(st->cap, &drops) == 0)
			d->stats.overflows = drops;
	}
}

static void
pf_removed(struct mxd *d, const struct mx_addr *addr, int64_t expires,
    enum wl_removal why)
{
	struct pf_state *st = d->port_state;

	(void)expires;
	if (st == NULL || st->table == NULL)
		return;
	/* The allow list's entry stays, whatever the whitelist's did. */
	if (allow_has(d->allow, addr, key_prefix(d, addr)))
		return;
	pft_del(st->table, addr, key_prefix(d, addr));
	if (st->batching)
		return;
	/* wl_expire() goes on while more entries are due: wait for it. */
	if (why == WL_EXPIRED && wl_next_expiry(d->wl) <= mxd_now())
		return;
	pft_flush(st->table);
}

/* A temporary state file from the child (or, in tests, our own). */
static int
pf_state_open(struct mxd *d, char *err, size_t errlen)
{
	struct pf_state *st = d->port_state;
	int fd;

	if (st->ps != NULL)
		return privsep_state_open(st->ps, err, errlen);
	if ((fd = state_writer_open(&st->writer)) == -1)
		snprintf(err, errlen, "no temporary file: %s",
		    strerror(errno));
	return fd;
}

static int
pf_state_close(struct mxd *d, bool keep, char *err, size_t errlen)
{
	struct pf_state *st = d->port_state;
	int error;

	if (st->ps != NULL)
		return privsep_state_close(st->ps, keep, err, errlen);
	if ((error = state_writer_close(&st->writer, keep)) == 0)
		return 0;
	if (err != NULL)
		snprintf(err, errlen, "%s", strerror(error));
	return -1;
}

/* The metrics file likewise: through the parent (tests: our own). */
static int
pf_metrics_open(struct mxd *d, char *err, size_t errlen)
{
	struct pf_state *st = d->port_state;
	int fd;

	if (st->ps != NULL)
		return privsep_metrics_open(st->ps, err, errlen);
	if ((fd = state_writer_open(&st->metrics)) == -1)
		snprintf(err, errlen, "no temporary file: %s",
		    strerror(errno));
	return fd;
}

static int
pf_metrics_close(struct mxd *d, bool keep, char *err, size_t errlen)
{
	struct pf_state *st = d->port_state;
	int error;

	if (st->ps != NULL)
		return privsep_metrics_close(st->ps, keep, err, errlen);
	if ((error = state_writer_close(&st->metrics, keep)) == 0)
		return 0;
	if (err != NULL)
		snprintf(err, errlen, "%s", strerror(error));
	return -1;
}

static void
pf_stop(struct mxd *d)
{
	struct pf_state *st = d->port_state;

	pft_flush(st->table);
	capture_close(st->cap);
	if (st->ps != NULL)
		privsep_stop(st->ps);
	if (st->pffd != -1)
		close(st->pffd);
	pft_destroy(st->table);
	st->table = NULL;
	free(st->allowed);
	st->allowed = NULL;
	st->nallowed = 0;
	state_writer_free(&st->writer);
	state_writer_free(&st->metrics);
	free(st->user.dir);
	/*
	 * The core would remove the pidfile next: out of reach in the chroot
	 * (a pledge violation on OpenBSD).  The parent removes it.
	 */
	if (st->confined)
		exit(0);
}

/*
 * The configuration file on SIGHUP: the parent opens it for the engine,
 * which cannot (tests without privsep open it here).
 */
static FILE *
pf_config_open(struct mxd *d, char *err, size_t errlen)
{
	struct pf_state *st = d->port_state;
	const char *path = config_path(&d->cmdline);
	bool required = d->cmdline.config_file != NULL;
	FILE *fp;

	err[0] = '\0';
	if (st->ps != NULL)
		return privsep_config_open(st->ps, required, err, errlen);
	if ((fp = fopen(path, "r")) == NULL && (errno != ENOENT || required))
		seterr(err, errlen, "%s: %s", path, strerror(errno));
	return fp;
}

/*
 * Its allow-file likewise: the one the parent checked with it (tests
 * without privsep open it here).
 */
static FILE *
pf_allow_open(struct mxd *d, const char *path, char *err, size_t errlen)
{
	struct pf_state *st = d->port_state;
	FILE *fp;

	if (st->ps != NULL)
		return privsep_allow_open(st->ps, path, err, errlen);
	if ((fp = fopen(path, "r")) == NULL)
		seterr(err, errlen, "%s: %s", path, strerror(errno));
	return fp;
}

/*
 * A reloaded configuration, before the core takes it.  A renamed table:
 * the entries move there (the parent moves what the old table holds),
 * and the table client changes the new one from then on.  Returns -1 to
 * refuse the reload.
 */
static int
pf_reconfigure(struct mxd *d, struct mx_config *next)
{
	struct pf_state *st = d->port_state;
	size_t moved;
	int err;

	if (strcmp(next->table, d->cfg.table) != 0) {
		if (st->ps != NULL)
			err = privsep_table_move(st->ps, next->table);
		else
			err = privsep_move_entries(st->pffd, d->cfg.table,
			    next->table, st->limits.request_max, &moved);
		if (err != 0) {
			log_warnx("pf table <%s>: cannot move the entries to "
			    "<%s>: %s", d->cfg.table, next->table,
			    strerror(err));
			return -1;
		}
		if (pft_rename(st->table, next->table) == -1)
			return -1;
	}
	pft_set_prefixes(st->table, (unsigned)next->whitelist_prefix4,
	    (unsigned)next->whitelist_prefix6);
	/*
	 * The engine's file size limit, set when it was confined, holds the
	 * state file of that many entries and no more; unprivileged, it
	 * cannot raise it.
	 */
	if (st->confined && next->max_entries > st->max_at_split) {
		log_warnx("max-entries %lld: more than %lld needs a restart "
		    "(the engine's state file size limit)", next->max_entries,
		    st->max_at_split);
		next->max_entries = st->max_at_split;
	}
	/* OpenBSD: an addition past the limit would wait (check_limits()). */
	if (st->limits.add_waits && st->limits.room != 0 &&
	    (unsigned long long)next->max_entries > st->limits.room) {
		log_warnx("max-entries %lld does not fit pf's table-entries "
		    "limit: the whitelist holds at most %llu", next->max_entries,
		    (unsigned long long)st->limits.room);
		next->max_entries = (long long)st->limits.room;
	}
	return 0;
}

/*
 * A socket to the sync server for the engine's sync thread: the engine
 * may open none (pledge, Capsicum), so the parent connects, to the
 * server of the configuration it read at start, and hands it over.
 * Without privilege separation (tests) the same, here.
 */
static int
pf_sync_connect(struct mxd *d, char *err, size_t errlen)
{
	struct pf_state *st = d->port_state;
	int32_t error;
	int fd;

	if (st->ps != NULL)
		return privsep_sync_connect(st->ps, err, errlen);
	if (st->sync.len == 0 && sync_target_resolve(d->cfg.sync_url,
	    &st->sync, err, errlen) == -1)
		return -1;
	if ((fd = sync_target_dial(&st->sync, &error)) == -1)
		seterr(err, errlen, "%s", strerror(error));
	return fd;
}

const struct mx_port pf_port = {
	.name = "pf",
	.id = MX_PORT_PF,
	.no_reload = false,
	.start = pf_start,
	.confine = pf_confine,
	.fd = pf_fd,
	.input = pf_input,
	.added = pf_added,
	.removed = pf_removed,
	.flush = pf_flush,
	.reconfigure = pf_reconfigure,
	.stop = pf_stop,
	.state_open = pf_state_open,
	.state_close = pf_state_close,
	.config_open = pf_config_open,
	.allow_open = pf_allow_open,
	.peer_cred = pf_peer_cred,
	.metrics_open = pf_metrics_open,
	.metrics_close = pf_metrics_close,
	.allow_changed = pf_allow_changed,
	.sync_connect = pf_sync_connect,
};
