/*
 * Unit tests for pf/port.c: the port's hooks driven as the core drives
 * them, with a scripted capture (this file provides the capture_*
 * functions in place of pf/capture.c) and tests/pfcompat/fake_pf.c for pf.
 * Privilege separation is off (pf_port_no_privsep()): it needs a BSD and
 * root; test_privsep covers the channel.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <net/pfvar.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "control.h"
#include "daemon.h"
#include "fake_pf.h"
#include "log.h"
#include "logcap.h"
#include "pflog.h"
#include "port.h"
#include "state.h"
#include "sync.h"
#include "table.h"
#include "t.h"

#define TABLE	"mx-white"
#define OS	PFCOMPAT_OS
#define FAKE_MX	"192.0.2.25"
#define REAL_MX	"192.0.2.26"

/* The scripted capture. */

struct capture {
	int	fds[2];
};

struct scripted {
	struct pflog_info	pfl;
	struct pkt_info		pkt;
	enum pkt_result		res;
};

static struct scripted	script[64];
static size_t		nscript;
static char		opened_if[32], opened_filter[64];
static bool		closed;
static uint64_t		drops;

struct capture *
capture_open_live(const char *ifname, const char *filter, char *err,
    size_t errlen)
{
	struct capture *c;

	(void)err;
	(void)errlen;
	snprintf(opened_if, sizeof(opened_if), "%s", ifname);
	snprintf(opened_filter, sizeof(opened_filter), "%s", filter);
	if ((c = calloc(1, sizeof(*c))) == NULL || pipe(c->fds) == -1)
		abort();
	return c;
}

int
capture_fd(struct capture *c)
{
	return c->fds[0];
}

int
capture_dispatch(struct capture *c, capture_cb *cb, void *arg)
{
	size_t i, n = nscript;

	(void)c;
	nscript = 0;
	for (i = 0; i < n; i++)
		cb(arg, &script[i].pfl, &script[i].pkt, script[i].res, 0);
	return (int)n;
}

const char *
capture_error(struct capture *c)
{
	(void)c;
	return "scripted";
}

int
capture_drops(struct capture *c, uint64_t *n)
{
	(void)c;
	*n = drops;
	return 0;
}

void
capture_close(struct capture *c)
{
	close(c->fds[0]);
	close(c->fds[1]);
	free(c);
	closed = true;
}

/* A logged inbound SYN; action PFLOG_ACTION_PASS or _DROP. */
static void
syn(const char *src, const char *dst, int action)
{
	struct scripted *s = &script[nscript++];

	memset(s, 0, sizeof(*s));
	s->pfl.hdrlen = 100;
	s->pfl.af = 2;
	s->pfl.action = (uint8_t)action;
	s->pfl.dir = PFLOG_DIR_IN;
	snprintf(s->pfl.ifname, sizeof(s->pfl.ifname), "em0");
	addr_parse(src, &s->pkt.src);
	addr_parse(dst, &s->pkt.dst);
	s->pkt.sport = 40000;
	s->pkt.dport = 25;
	s->pkt.tcp_flags = TCP_FLAG_SYN;
	s->pkt.ip_version = strchr(src, ':') ? 6 : 4;
	s->res = PKT_TCP;
}

/* The core, as far as the port sees it. */

static struct mxd	d;
static char		state_dir[] = "/tmp/test_pfport.XXXXXX";
static char		state_path[64];

/* The core, configured as on the command line, plus extra (NULL-ended). */
static void
setup_core_with(const char *const *extra)
{
	char *argv[32] = { "mxallowd", "-c", "/dev/null", "-f", FAKE_MX,
	    "-r", REAL_MX, "--user", "nobody", "--state-file", state_path };
	char err[512];
	int argc = 11;

	while (extra != NULL && *extra != NULL && argc < 31)
		argv[argc++] = (char *)*extra++;
	argv[argc] = NULL;
	memset(&d, 0, sizeof(d));
	d.names_remote_fd = -1;
	d.port = &pf_port;
	d.progname = "test_pfport";
	config_init(&d.cmdline);
	if (config_parse_args(&d.cmdline, argc, argv, MX_PORT_PF, err,
	    sizeof(err)) != CONFIG_ARGS_OK ||
	    config_load(&d.cfg, &d.cmdline, MX_PORT_PF, err, sizeof(err))
	    == -1) {
		fprintf(stderr, "config: %s\n", err);
		exit(2);
	}
	/* The core's own wiring: entries reach the port as in the daemon. */
	if (mxd_init_core(&d, 1) == -1) {
		fprintf(stderr, "whitelist: out of memory\n");
		exit(2);
	}
}

static void
setup_core(void)
{
	setup_core_with(NULL);
}

static void
teardown_core(void)
{
	pf_port.stop(&d);
	wl_destroy(d.wl);
	report_destroy(d.report);
	d.report = NULL;
	free(d.state_path);
	config_free(&d.cfg);
	config_free(&d.cmdline);
}

/* /dev/pf through the fake, remembering how the port opened it. */
static int	open_flags = -1;

static int
open_pf(const char *path, int flags)
{
	open_flags = flags;
	return fake_pf_open(path, flags);
}

static bool
in_wl(const char *text)
{
	struct mx_addr a;

	addr_parse(text, &a);
	return wl_contains(d.wl, &a, mxd_now());
}

/*
 * pf's limits at start: max-entries past them is said once, with the line
 * that raises each; then a flood of new senders meets the limit.
 */
static void
test_start_limits(void)
{
	static const char *const max5000[] = { "--max-entries", "5000", NULL };
	struct logcap cap;
	struct mx_addr a;
	const char *log;
	char text[32];
	unsigned i;

	fake_pf_reset(TABLE);
	fake_pf_table_entries = 1000;
#ifdef PFCOMPAT_FREEBSD
	fake_pf_maxcount = 4096;
#endif
	setup_core_with(max5000);
	logcap_start(&cap);
	pf_port.start(&d);
	log = logcap_stop(&cap);
#ifdef PFCOMPAT_OPENBSD
	CHECK(logcap_count(log, "max-entries 5000 does not fit pf's "
	    "table-entries limit 1000") == 1 &&
	    strstr(log, "the whitelist holds at most 744;") != NULL &&
	    strstr(log, "raise the limit with \"set limit table-entries "
	    "5256\" in pf.conf") != NULL,
	    OS ": start says once that max-entries does not fit, caps the "
	    "whitelist and names the pf.conf line");
	CHECK(strstr(log, "request_maxcount") == NULL &&
	    logcap_count(log, "\n") == 1, OS ": and nothing else");
#else
	CHECK(logcap_count(log, "max-entries 5000 is more than pf's "
	    "table-entries limit 1000") == 1 &&
	    strstr(log, "raise it with \"set limit table-entries 5000\" in "
	    "pf.conf") != NULL,
	    OS ": start says once that max-entries is past the table-entries "
	    "limit, and names the pf.conf line");
	CHECK(logcap_count(log, "max-entries 5000 is more than pf returns in "
	    "one request (net.pf.request_maxcount 4096)") == 1 &&
	    strstr(log, "raise it with \"sysctl net.pf.request_maxcount="
	    "5000\"") != NULL && logcap_count(log, "\n") == 2,
	    OS ": and once that it is past net.pf.request_maxcount, with the "
	    "sysctl");
#endif
	CHECK(fake_pf_ncmd(DIOCGETLIMIT) == 1 && fake_pf_bad == 0,
	    OS ": the limit read with one DIOCGETLIMIT (%s)", fake_pf_why);

	/* 1200 new senders, outside a batch. */
	fake_pf_clear_calls();
	logcap_start(&cap);
	for (i = 0; i < 1200; i++) {
		snprintf(text, sizeof(text), "10.0.%u.%u", i >> 8, i & 0xff);
		addr_parse(text, &a);
		wl_insert(d.wl, &a, mxd_now() + d.cfg.whitelist_time);
	}
	pf_port.flush(&d);
	log = logcap_stop(&cap);
#ifdef PFCOMPAT_OPENBSD
	CHECK(wl_count(d.wl) == 744 && fake_pf_count(TABLE) == 744 &&
	    fake_pf_bad == 0 && d.stats.port_errors == 0,
	    OS ": a flood: the whitelist and the table stay at 744, no "
	    "addition has to wait for room (%zu, %zu, %s)", wl_count(d.wl),
	    fake_pf_count(TABLE), fake_pf_why);
#else
	CHECK(wl_count(d.wl) == 1200 && fake_pf_count(TABLE) == 1000 &&
	    fake_pf_bad == 0,
	    OS ": a flood: the table fills up to the limit (%zu)",
	    fake_pf_count(TABLE));
	CHECK(d.stats.port_errors == 2 &&
	    logcap_count(log, "addresses not added") == 2,
	    OS ": the two batches that did not fit count and warn once each "
	    "(%llu)", (unsigned long long)d.stats.port_errors);
#endif
	teardown_core();
}

/*
 * A table with more entries than FreeBSD returns in one request: none is
 * adopted, the state file's entries take their place.  OpenBSD has no
 * such cap.
 */
static void
test_refused_adoption(void)
{
	static const char *const no_state[] = { "--state-file", "none", NULL };
	static const char *const table_only[] = { "203.0.113.11",
	    "203.0.113.12", "203.0.113.13", "203.0.113.14", NULL };
	const int64_t now = (int64_t)time(NULL);
	struct whitelist *last;
	struct logcap cap;
	struct mx_addr a;
	const char *log;
	char err[256];
	size_t i;
	int rc;

	/* The last run's state file: three senders. */
	last = wl_create(0, 1, NULL, NULL);
	addr_parse("198.51.100.1", &a);
	wl_insert(last, &a, mxd_now() + 600);
	addr_parse("198.51.100.2", &a);
	wl_insert(last, &a, mxd_now() + 600);
	addr_parse("2001:db8::3", &a);
	wl_insert(last, &a, mxd_now() + 600);
	rc = state_save(state_path, last, now, mxd_now(), err, sizeof(err));
	wl_destroy(last);
	CHECK(rc == 0, OS ": state file of the last run written (%s)",
	    rc == 0 ? "ok" : err);

	/* Its table: two of those, four it does not have; cap 5. */
	fake_pf_reset(TABLE);
	fake_pf_insert(TABLE, 4, "198.51.100.1", 32, now - 60, false);
	fake_pf_insert(TABLE, 4, "198.51.100.2", 32, now - 60, false);
	for (i = 0; table_only[i] != NULL; i++)
		fake_pf_insert(TABLE, 4, table_only[i], 32, now - 60, false);
#ifdef PFCOMPAT_FREEBSD
	fake_pf_maxcount = 5;
#endif
	setup_core();
	logcap_start(&cap);
	pf_port.start(&d);
	mxd_state_load(&d);
	log = logcap_stop(&cap);
#ifdef PFCOMPAT_FREEBSD
	CHECK(logcap_count(log, "pf table <mx-white> holds 6 entries, more "
	    "than pf returns in one request (net.pf.request_maxcount 5): "
	    "none adopted, the state file's entries stand in for them; raise "
	    "it with \"sysctl net.pf.request_maxcount=100000\"") == 1,
	    OS ": a refused adoption is one clear line");
	CHECK(logcap_count(log, "\n") == 2 && d.stats.port_errors == 0,
	    OS ": and no other complaint but max-entries' at start");
	CHECK(fake_pf_ncmd(DIOCRGETASTATS) == 1 && fake_pf_bad == 0,
	    OS ": one DIOCRGETASTATS, for the count: none the kernel refuses "
	    "(%s)", fake_pf_why);
	CHECK(wl_count(d.wl) == 3 && in_wl("198.51.100.1") &&
	    in_wl("198.51.100.2") && in_wl("2001:db8::3") &&
	    !in_wl("203.0.113.11"),
	    OS ": the whitelist holds the state file's 3 entries, and only "
	    "those (%zu)", wl_count(d.wl));
	CHECK(fake_pf_contains(TABLE, 4, "198.51.100.1", 32) &&
	    fake_pf_contains(TABLE, 4, "198.51.100.2", 32) &&
	    fake_pf_contains(TABLE, 6, "2001:db8::3", 128) &&
	    fake_pf_count(TABLE) == 7,
	    OS ": the table is refilled from it: the missing one added, "
	    "nothing removed (%zu)", fake_pf_count(TABLE));
#else
	CHECK(log[0] == '\0' && wl_count(d.wl) == 7 &&
	    in_wl("203.0.113.11") && in_wl("2001:db8::3") && fake_pf_bad == 0,
	    OS ": no request cap: all 6 adopted, the state file adds its "
	    "third, no warning (%zu)", wl_count(d.wl));
#endif
	teardown_core();

#ifdef PFCOMPAT_FREEBSD
	/* Without a state file, the line says what becomes of them. */
	fake_pf_reset(TABLE);
	for (i = 0; table_only[i] != NULL; i++)
		fake_pf_insert(TABLE, 4, table_only[i], 32, now - 60, false);
	fake_pf_maxcount = 3;
	setup_core_with(no_state);
	logcap_start(&cap);
	pf_port.start(&d);
	log = logcap_stop(&cap);
	CHECK(strstr(log, "holds 4 entries") != NULL && strstr(log,
	    "none adopted, and those not whitelisted again stay until the "
	    "table is flushed") != NULL && wl_count(d.wl) == 0,
	    OS ": state-file none: the line says the entries stay");
	teardown_core();
#else
	(void)no_state;
#endif
}

/*
 * One control request through the core's handler: 0 or -1, and the text
 * of every line of its answer.
 */
static int
control_all(const char *line, char *text, size_t len)
{
	struct ctl_out out;
	char err[256];
	int rc;

	memset(&out, 0, sizeof(out));
	err[0] = '\0';
	rc = mxd_control(&d, line, strlen(line), &out, err, sizeof(err));
	snprintf(text, len, "%.*s%s", (int)out.len, out.buf ? out.buf : "",
	    err);
	free(out.buf);
	return rc;
}

/* The same, its first line only. */
static int
control(const char *line, char *text, size_t len)
{
	int rc = control_all(line, text, len);

	text[strcspn(text, "\n")] = '\0';
	return rc;
}


/* Lines of text that start with start and hold every one of parts. */
static int
lines_with(const char *text, const char *start, const char *const *parts)
{
	const char *p = text, *nl;
	char line[512];
	size_t i;
	int n = 0;
	bool all;

	for (; *p != '\0'; p = *nl == '\0' ? nl : nl + 1) {
		nl = p + strcspn(p, "\n");
		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		if (strncmp(line, start, strlen(start)) != 0)
			continue;
		for (all = true, i = 0; parts[i] != NULL; i++)
			all = all && strstr(line, parts[i]) != NULL;
		n += all;
	}
	return n;
}

/*
 * The control socket's commands reach the table through the port's
 * hooks, as the whitelist's own changes do.
 */
/*
 * show whitelist without an address: every live entry, one line each,
 * with its prefix, seconds left, origin and last use; in JSON, one
 * object per entry with the same fields.
 */
static void
check_listing(void)
{
	static const char *const manual4[] = { " manual ", NULL };
	static const char *const fake4[] = { " fake ", NULL };
	static const char *const json6[] = { "\"prefix\":128,",
	    "\"origin\":\"manual\"", "\"last_use\":", NULL };
	static const char *const json4[] = { "\"prefix\":32,",
	    "\"origin\":\"fake\"", "\"seconds\":", NULL };
	char text[4096], want[64];
	const char *p;
	long long left;
	int lines = 0;

	CHECK(control_all("show whitelist", text, sizeof(text)) == 0 &&
	    lines_with(text, "198.18.0.78/32 ", manual4) == 1 &&
	    lines_with(text, "2001:db8:77::1/128 ", manual4) == 1 &&
	    lines_with(text, "192.0.2.61/32 ", fake4) == 1,
	    OS ": show whitelist lists every entry with its origin (%s)",
	    text);
	for (p = text; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	CHECK(lines == (int)wl_count(d.wl) && lines >= 3,
	    OS ": one line per entry (%d of %zu)", lines, wl_count(d.wl));
	p = strstr(text, "192.0.2.61/32 ");
	left = p != NULL ? strtoll(p + strlen("192.0.2.61/32 "), NULL, 10) :
	    -1;
	CHECK(left > d.cfg.whitelist_time - 5 && left <= d.cfg.whitelist_time,
	    OS ": with the seconds it has left (%lld of %lld)", left,
	    (long long)d.cfg.whitelist_time);
	CHECK(control_all("json show whitelist", text, sizeof(text)) == 0 &&
	    lines_with(text, "{\"address\":\"2001:db8:77::1\",", json6) ==
	    1 && lines_with(text, "{\"address\":\"192.0.2.61\",", json4) ==
	    1, OS ": and in JSON (%s)", text);
	snprintf(want, sizeof(want), "192.0.2.61/32 ");
	CHECK(control("show whitelist 192.0.2.61", text, sizeof(text)) == 0 &&
	    strncmp(text, want, strlen(want)) == 0 &&
	    strstr(text, " fake ") != NULL,
	    OS ": one address: the entry that covers it (%s)", text);
	CHECK(control("show whitelist 192.0.2.62", text, sizeof(text)) == -1 &&
	    strcmp(text, "not whitelisted") == 0,
	    OS ": or that it is not whitelisted (%s)", text);
}

static void
test_control_commands(void)
{
	char text[1024];
	size_t before = fake_pf_ncmd(DIOCRADDADDRS);

	CHECK(control("add 198.18.0.77 600", text, sizeof(text)) == 0 &&
	    fake_pf_contains(TABLE, 4, "198.18.0.77", 32) &&
	    fake_pf_ncmd(DIOCRADDADDRS) == before + 1,
	    OS ": control add reaches the table at once (%s)", text);
	CHECK(control("show whitelist 198.18.0.77", text, sizeof(text)) == 0 &&
	    strstr(text, "198.18.0.77/32 ") == text &&
	    strstr(text, " manual") != NULL,
	    OS ": show whitelist: the entry, origin manual (%s)", text);
	CHECK(control("add 198.18.0.77/24", text, sizeof(text)) == -1 &&
	    strstr(text, "entries are /32") != NULL,
	    OS ": add with another prefix refused (%s)", text);
	CHECK(control("delete 198.18.0.77", text, sizeof(text)) == 0 &&
	    !fake_pf_contains(TABLE, 4, "198.18.0.77", 32) &&
	    !in_wl("198.18.0.77"),
	    OS ": control delete leaves the table at once (%s)", text);
	CHECK(control("delete 198.18.0.77", text, sizeof(text)) == -1 &&
	    strcmp(text, "not whitelisted") == 0,
	    OS ": deleting what is not there refused (%s)", text);
	CHECK(control("add 2001:db8:77::1", text, sizeof(text)) == 0 &&
	    control("add 198.18.0.78", text, sizeof(text)) == 0 &&
	    fake_pf_contains(TABLE, 6, "2001:db8:77::1", 128),
	    OS ": two more added");
	syn("192.0.2.61", FAKE_MX, PFLOG_ACTION_PASS);
	pf_port.input(&d);
	check_listing();
	CHECK(control("flush", text, sizeof(text)) == -1 &&
	    in_wl("198.18.0.78"), OS ": flush without force refused");
	CHECK(control("flush force", text, sizeof(text)) == 0 &&
	    wl_count(d.wl) == 0 &&
	    !fake_pf_contains(TABLE, 6, "2001:db8:77::1", 128) &&
	    !fake_pf_contains(TABLE, 4, "198.18.0.78", 32),
	    OS ": flush force empties the whitelist and the table (%s)",
	    text);
}

/*
 * The allow list: its entries are table entries that expiry never
 * removes, follow the list on reload, and come back with a lost table.
 */
static void
test_allow_table(void)
{
	static const char *const allow[] = { "--allow", "198.51.100.50",
	    "--allow", "203.0.113.0/24", "--allow", "2001:db8:50::/48",
	    "--allow", "relay.example.net", "-t", "60", "--state-file", "none",
	    NULL };
	struct mx_addr a;
	char text[1024];
	size_t n;

	fake_pf_reset(TABLE);
	fake_pf_net_any = true;
	setup_core_with(allow);
	pf_port.start(&d);
	CHECK(fake_pf_contains(TABLE, 4, "198.51.100.50", 32) &&
	    fake_pf_contains(TABLE, 4, "203.0.113.0", 24) &&
	    fake_pf_contains(TABLE, 6, "2001:db8:50::", 48) &&
	    fake_pf_count(TABLE) == 3 && wl_count(d.wl) == 0 &&
	    fake_pf_bad == 0, OS ": the allow list enters the table at start, "
	    "not the whitelist (%s)", fake_pf_why);
	/* An allowed sender that also tries the fake MX, and a stranger. */
	syn("198.51.100.50", FAKE_MX, PFLOG_ACTION_PASS);
	syn("192.0.2.60", FAKE_MX, PFLOG_ACTION_PASS);
	syn("203.0.113.9", REAL_MX, PFLOG_ACTION_PASS);
	pf_port.input(&d);
	CHECK(in_wl("198.51.100.50") && in_wl("192.0.2.60") &&
	    d.stats.allowed == 1 && d.stats.accepted == 1,
	    OS ": an allowed sender pf passed is counted as allowed");
	n = wl_expire(d.wl, mxd_now() + 120);
	CHECK(n == 2 && fake_pf_contains(TABLE, 4, "198.51.100.50", 32) &&
	    !fake_pf_contains(TABLE, 4, "192.0.2.60", 32) &&
	    fake_pf_contains(TABLE, 4, "203.0.113.0", 24),
	    OS ": expiry removes the stranger, never the allowed entry");
	/* pf lost the table: an allowed sender's dropped SYN mends it. */
	fake_pf_destroy(TABLE);
	syn("2001:db8:50::9", REAL_MX, PFLOG_ACTION_DROP);
	pf_port.input(&d);
	CHECK(fake_pf_contains(TABLE, 6, "2001:db8:50::", 48) &&
	    fake_pf_contains(TABLE, 4, "203.0.113.0", 24) &&
	    d.stats.blocked == 1, OS ": a lost table gets the allow list back "
	    "at an allowed sender's dropped SYN");
	/* A new list: one entry goes, one comes, the others stay. */
	free(d.cfg.allow[1]);
	if ((d.cfg.allow[1] = strdup("192.0.2.128/25")) == NULL)
		abort();
	addr_parse("198.51.100.50", &a);
	fake_pf_clear_calls();
	CHECK(mxd_allow_load(&d) == 0 &&
	    !fake_pf_contains(TABLE, 4, "203.0.113.0", 24) &&
	    fake_pf_contains(TABLE, 4, "192.0.2.128", 25) &&
	    fake_pf_contains(TABLE, 4, "198.51.100.50", 32) &&
	    fake_pf_ncmd(DIOCRADDADDRS) == 1 &&
	    fake_pf_ncmd(DIOCRDELADDRS) == 1,
	    OS ": a reloaded list: the table follows, one request each way");
	CHECK(control("show allow", text, sizeof(text)) == 0 &&
	    strcmp(text, "198.51.100.50/32") == 0,
	    OS ": show allow lists the entries (%s)", text);
	CHECK(control("json show allow", text, sizeof(text)) == 0 &&
	    strcmp(text, "{\"allow\":\"198.51.100.50/32\"}") == 0,
	    OS ": and in JSON (%s)", text);
	/* A whitelist entry of an address the list drops stays. */
	wl_insert(d.wl, &a, mxd_now() + 60);
	free(d.cfg.allow[0]);
	if ((d.cfg.allow[0] = strdup("198.51.100.51")) == NULL)
		abort();
	CHECK(mxd_allow_load(&d) == 0 &&
	    fake_pf_contains(TABLE, 4, "198.51.100.50", 32) &&
	    fake_pf_contains(TABLE, 4, "198.51.100.51", 32),
	    OS ": an entry the list drops stays while it is whitelisted");
	wl_remove(d.wl, &a);
	CHECK(!fake_pf_contains(TABLE, 4, "198.51.100.50", 32) &&
	    fake_pf_bad == 0, OS ": and goes with its whitelist entry (%s)",
	    fake_pf_why);
	mxd_allow_free(&d);
	teardown_core();
	fake_pf_reset(TABLE);
}

/*
 * Sharing the whitelist: the other gates' entries (checked events, as the
 * sync engine hands them over) reach pf's table through the engine's
 * whitelist, in batched requests; a deletion takes one out; max-entries
 * and the prefix bound them.
 */
static void
test_sync_table(void)
{
	static const char *const extra[] = { "--state-file", "none", "-t",
	    "600", "--max-entries", "1000", NULL };
	static struct sync_event ev[600];
	struct mx_addr a;
	char text[64];
	int64_t now, expires, wall = sync_wall_ms();
	uint32_t origin;
	size_t i, n, adds;

	fake_pf_reset(TABLE);
	setup_core_with(extra);
	pf_port.start(&d);
	now = mxd_now();
	for (i = 0; i < 600; i++) {
		memset(&ev[i], 0, sizeof(ev[i]));
		ev[i].op = SYNC_ADD;
		snprintf(text, sizeof(text), "2001:db8:77::%zx", i + 1);
		addr_parse(text, &ev[i].addr);
		ev[i].prefix = 128;
		ev[i].ms = wall + 300000;
		snprintf(ev[i].gate, sizeof(ev[i].gate), "gate-b");
	}
	fake_pf_clear_calls();
	n = mxd_sync_apply(&d, ev, 600, now);
	adds = fake_pf_ncmd(DIOCRADDADDRS);
	CHECK(n == 600 && wl_count(d.wl) == 600 &&
	    fake_pf_count(TABLE) == 600 && fake_pf_bad == 0,
	    OS ": 600 synced entries enter the whitelist and the table (%s)",
	    fake_pf_why);
	CHECK(adds == (600 + PFT_BATCH - 1) / PFT_BATCH,
	    OS ": in %zu batched requests", adds);
	CHECK(wl_lookup(d.wl, &ev[0].addr, now, &expires, &origin) &&
	    origin == MX_ORIGIN_SYNC && expires >= now + 299 &&
	    expires <= now + 301 && d.stats.sync_received == 600,
	    OS ": with origin sync and their expiry");
	/* A longer expiry wins; a shorter one changes nothing. */
	ev[0].ms = wall + 500000;
	ev[1].ms = wall + 100000;
	fake_pf_clear_calls();
	(void)mxd_sync_apply(&d, ev, 2, now);
	CHECK(wl_lookup(d.wl, &ev[0].addr, now, &expires, &origin) &&
	    expires >= now + 499 && wl_lookup(d.wl, &ev[1].addr, now,
	    &expires, &origin) && expires >= now + 299 &&
	    fake_pf_ncmd(DIOCRADDADDRS) == 0,
	    OS ": the longer expiry wins, and pf hears nothing new");
	/* Expiry beyond whitelist-time is cut to it. */
	ev[2].ms = wall + 900000;
	(void)mxd_sync_apply(&d, &ev[2], 1, now);
	CHECK(wl_lookup(d.wl, &ev[2].addr, now, &expires, &origin) &&
	    expires <= now + 600, OS ": no longer than whitelist-time");
	/* A deletion. */
	ev[3].op = SYNC_DELETE;
	ev[3].ms = wall;
	fake_pf_clear_calls();
	n = mxd_sync_apply(&d, &ev[3], 1, now);
	CHECK(n == 1 && !wl_contains(d.wl, &ev[3].addr, now) &&
	    !fake_pf_contains(TABLE, 6, "2001:db8:77::4", 128) &&
	    fake_pf_ncmd(DIOCRDELADDRS) == 1 && fake_pf_count(TABLE) == 599,
	    OS ": a deletion takes the entry out of the table, in one "
	    "request");
	/* Another gate's key of another prefix matches none here. */
	memset(&ev[4], 0, sizeof(ev[4]));
	ev[4].op = SYNC_ADD;
	addr_parse("2001:db8:78::", &ev[4].addr);
	ev[4].prefix = 64;
	ev[4].ms = wall + 60000;
	snprintf(ev[4].gate, sizeof(ev[4].gate), "gate-c");
	CHECK(mxd_sync_apply(&d, &ev[4], 1, now) == 0 &&
	    d.stats.sync_dropped == 1 && fake_pf_count(TABLE) == 599,
	    OS ": a key of another prefix is dropped and counted");
	/* max-entries: the others never push out our own. */
	addr_parse("192.0.2.99", &a);
	for (i = 0; wl_count(d.wl) < 1000; i++) {
		snprintf(text, sizeof(text), "2001:db8:79::%zx", i + 1);
		addr_parse(text, &a);
		wl_insert(d.wl, &a, now + 60);
	}
	memset(&ev[5], 0, sizeof(ev[5]));
	ev[5].op = SYNC_ADD;
	addr_parse("2001:db8:7a::1", &ev[5].addr);
	ev[5].prefix = 128;
	ev[5].ms = wall + 60000;
	snprintf(ev[5].gate, sizeof(ev[5].gate), "gate-b");
	CHECK(mxd_sync_apply(&d, &ev[5], 1, now) == 0 &&
	    !wl_contains(d.wl, &ev[5].addr, now) && d.stats.evictions == 0 &&
	    d.stats.sync_dropped == 2,
	    OS ": a full whitelist takes no more synced entries, and evicts "
	    "none of its own");
	CHECK(fake_pf_bad == 0, OS ": every request was well formed (%s)",
	    fake_pf_why);
	teardown_core();
	fake_pf_reset(TABLE);
}

int
main(void)
{
	int64_t now = (int64_t)time(NULL), wltime;
	struct mx_addr a;
	bool ok;
	size_t n;
	char text[1024];

	log_init("test_pfport", true, LOG_LEVEL_QUIET);
	pfk_ioctl = fake_pf_ioctl;
	pfk_open_device = open_pf;
#ifdef PFCOMPAT_FREEBSD
	pfk_sysctl = fake_pf_sysctlbyname;
#endif
	fake_pf_reset(TABLE);
	fake_pf_fd = -1;
	pf_port_no_privsep();
	if (mkdtemp(state_dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(state_path, sizeof(state_path), "%s/db/state", state_dir);
	setup_core();
	wltime = d.cfg.whitelist_time;

	/* Start: the table exists already, from an earlier run. */
	fake_pf_insert(TABLE, 4, "203.0.113.5", 32, now - 60, false);
	fake_pf_insert(TABLE, 4, "203.0.113.6", 32, now - wltime - 10, false);
	pf_port.start(&d);
	CHECK(strcmp(opened_if, "pflog0") == 0 &&
	    strcmp(opened_filter, "port 25") == 0,
	    OS ": capture opened on %s with \"%s\"", opened_if,
	    opened_filter);
	CHECK(fake_pf_ncmd(DIOCRADDTABLES) == 1 && fake_pf_bad == 0,
	    OS ": start ensures the table (%s)", fake_pf_why);
	CHECK(open_flags != -1 && (open_flags & O_ACCMODE) == O_RDWR,
	    OS ": start opens /dev/pf read-write");
	ok = in_wl("203.0.113.5");
	CHECK(ok && wl_count(d.wl) == 1,
	    OS ": start adopts the live entry");
	CHECK(fake_pf_ncmd(DIOCRDELADDRS) == 1 &&
	    !fake_pf_contains(TABLE, 4, "203.0.113.6", 32),
	    OS ": start deletes the expired entry");
	mxd_state_load(&d);
	CHECK(d.saves_state && wl_count(d.wl) == 1,
	    OS ": no state file yet: nothing restored, saves to come");

	/* A burst of packets: one request for all the new senders. */
	fake_pf_clear_calls();
	drops = 7;
	syn("198.51.100.1", FAKE_MX, PFLOG_ACTION_PASS);
	syn("198.51.100.2", FAKE_MX, PFLOG_ACTION_PASS);
	syn("2001:db8::7", FAKE_MX, PFLOG_ACTION_PASS);
	syn("198.51.100.1", FAKE_MX, PFLOG_ACTION_PASS);
	syn("::ffff:198.51.100.3", FAKE_MX, PFLOG_ACTION_PASS);
	syn("198.51.100.9", REAL_MX, PFLOG_ACTION_DROP);
	script[nscript - 1].pkt.tcp_flags = TCP_FLAG_ACK;
	syn("198.51.100.10", REAL_MX, PFLOG_ACTION_DROP);
	pf_port.input(&d);
	CHECK(fake_pf_ncalls == 1 && fake_pf_ncmd(DIOCRADDADDRS) == 1 &&
	    fake_pf_calls[0].size == 4,
	    OS ": 5 fake-MX hits, 4 senders, one DIOCRADDADDRS");
	CHECK(fake_pf_contains(TABLE, 4, "198.51.100.1", 32) &&
	    fake_pf_contains(TABLE, 4, "198.51.100.2", 32) &&
	    fake_pf_contains(TABLE, 4, "198.51.100.3", 32) &&
	    fake_pf_contains(TABLE, 6, "2001:db8::7", 128) &&
	    fake_pf_bad == 0, OS ": senders in the table, mapped as IPv4 "
	    "(%s)", fake_pf_why);
	CHECK(!fake_pf_contains(TABLE, 4, "198.51.100.10", 32) &&
	    d.stats.blocked == 1 && d.stats.whitelisted == 4,
	    OS ": a blocked stranger is not added");
	CHECK(d.stats.overflows == 7, OS ": capture drops counted");

	/* pf dropped a whitelisted sender: the addition lost the race. */
	fake_pf_clear_calls();
	syn("198.51.100.1", REAL_MX, PFLOG_ACTION_DROP);
	pf_port.input(&d);
	CHECK(fake_pf_ncmd(DIOCRADDADDRS) == 1,
	    OS ": a whitelisted sender blocked by pf is added again");
	fake_pf_clear_calls();
	syn("198.51.100.2", REAL_MX, PFLOG_ACTION_PASS);
	pf_port.input(&d);
	CHECK(fake_pf_ncalls == 0 && d.stats.accepted == 1,
	    OS ": a passed real-MX connection costs no ioctl");
	CHECK(report_blocked(d.report, NULL, NULL) == 2 &&
	    control("show blocked", text, sizeof(text)) == 0 &&
	    strncmp(text, "198.51.100.1 1 ", 15) == 0,
	    OS ": show blocked: what pf dropped, newest first (%s)", text);
	CHECK(control("json show blocked", text, sizeof(text)) == 0 &&
	    strncmp(text, "{\"address\":\"198.51.100.1\",\"count\":1,"
	    "\"first\":", 41) == 0, OS ": json show blocked (%s)", text);
	CHECK(report_suspects(d.report, 1, NULL, NULL) == 3 &&
	    control("show suspects", text, sizeof(text)) == 0 &&
	    text[0] == '\0', OS ": the fake-MX senders but the one that "
	    "passed tracked; none has suspect-hits 3");

	/* Expiry at the top of the loop: one request for what is due. */
	addr_parse("192.0.2.101", &a);
	wl_insert(d.wl, &a, mxd_now() - 1);
	addr_parse("192.0.2.102", &a);
	wl_insert(d.wl, &a, mxd_now() - 1);
	addr_parse("192.0.2.103", &a);
	wl_insert(d.wl, &a, mxd_now() - 1);
	fake_pf_clear_calls();
	n = wl_expire(d.wl, mxd_now());
	CHECK(n == 3 && fake_pf_ncmd(DIOCRDELADDRS) == 1 &&
	    fake_pf_calls[0].size == 3,
	    OS ": 3 entries expire together, one DIOCRDELADDRS");
	n = wl_count(d.wl);
	fake_pf_clear_calls();
	wl_set_max(d.wl, n - 1);
	CHECK(fake_pf_ncmd(DIOCRDELADDRS) == 1 &&
	    !fake_pf_contains(TABLE, 4, "203.0.113.5", 32),
	    OS ": an eviction outside a batch leaves the table at once");

	/* The table vanished (pf rules reloaded). */
	fake_pf_destroy(TABLE);
	fake_pf_clear_calls();
	syn("198.51.100.4", FAKE_MX, PFLOG_ACTION_PASS);
	pf_port.input(&d);
	CHECK(fake_pf_exists(TABLE) && fake_pf_count(TABLE) == wl_count(d.wl)
	    && fake_pf_contains(TABLE, 4, "198.51.100.4", 32) &&
	    fake_pf_contains(TABLE, 6, "2001:db8::7", 128),
	    OS ": lost table recreated with every live entry (%zu)",
	    fake_pf_count(TABLE));
	CHECK(d.stats.port_errors == 0 && fake_pf_bad == 0,
	    OS ": no errors so far (%s)", fake_pf_why);

	fake_pf_fail(DIOCRADDADDRS, ENODEV, 1);
	syn("198.51.100.5", FAKE_MX, PFLOG_ACTION_PASS);
	pf_port.input(&d);
	CHECK(d.stats.port_errors == 1,
	    OS ": a failed addition is counted in port_errors");
	syn("198.51.100.5", FAKE_MX, PFLOG_ACTION_PASS);
	pf_port.input(&d);
	CHECK(fake_pf_contains(TABLE, 4, "198.51.100.5", 32),
	    OS ": and mended by the sender's next hit");

	/* Reverse-DNS siblings of one resolver batch: one request. */
	wl_set_max(d.wl, 1000);
	fake_pf_clear_calls();
	addr_parse("203.0.113.77", &a);
	wl_insert(d.wl, &a, mxd_now() + wltime);
	addr_parse("2001:db8::77", &a);
	wl_insert(d.wl, &a, mxd_now() + wltime);
	CHECK(fake_pf_ncalls == 0, OS ": siblings wait for the batch's end");
	pf_port.flush(&d);
	CHECK(fake_pf_ncmd(DIOCRADDADDRS) == 1 &&
	    fake_pf_contains(TABLE, 4, "203.0.113.77", 32) &&
	    fake_pf_contains(TABLE, 6, "2001:db8::77", 128),
	    OS ": siblings reach the table in one DIOCRADDADDRS");

	/* Networks: whitelist-prefix4 24 and whitelist-prefix6 64. */
	d.cfg.whitelist_prefix4 = 24;
	d.cfg.whitelist_prefix6 = 64;
	mxd_point_policy(&d);
	fake_pf_net4 = 24;
	fake_pf_net6 = 64;
	syn("198.51.100.200", FAKE_MX, PFLOG_ACTION_PASS);
	pf_port.input(&d);
	CHECK(fake_pf_contains(TABLE, 4, "198.51.100.0", 24) &&
	    fake_pf_bad == 0, OS ": a sender's /24 enters the table with "
	    "pfra_net 24 (%s)", fake_pf_why);
	CHECK(in_wl("198.51.100.0"), OS ": and the whitelist holds the "
	    "network");
	syn("2001:db8:5:6::9", FAKE_MX, PFLOG_ACTION_PASS);
	pf_port.input(&d);
	CHECK(fake_pf_contains(TABLE, 6, "2001:db8:5:6::", 64),
	    OS ": an IPv6 sender's /64 enters the table with pfra_net 64");
	addr_parse("198.51.100.0", &a);
	wl_remove(d.wl, &a);
	CHECK(!fake_pf_contains(TABLE, 4, "198.51.100.0", 24) &&
	    fake_pf_ncmd(DIOCRDELADDRS) >= 1,
	    OS ": removing the network removes the /24 entry");

	/* The state file, written through the port's hooks at exit. */
	mxd_state_save(&d);
	n = wl_count(d.wl);
	pf_port.stop(&d);
	CHECK(closed, OS ": stop closes the capture");
	wl_destroy(d.wl);
	report_destroy(d.report);
	d.report = NULL;
	free(d.state_path);
	config_free(&d.cfg);
	config_free(&d.cmdline);

	/* The next run, with the table gone (a reboot): the file has it. */
	fake_pf_reset(TABLE);
	fake_pf_destroy(TABLE);
	fake_pf_net4 = 32;
	fake_pf_net6 = 128;
	setup_core();
	pf_port.start(&d);
	mxd_state_load(&d);
	CHECK(wl_count(d.wl) == n && in_wl("198.51.100.4") &&
	    in_wl("2001:db8::7"),
	    OS ": restart: all %zu entries restored from %s (%zu)", n,
	    state_path, wl_count(d.wl));
	CHECK(fake_pf_count(TABLE) == n &&
	    fake_pf_contains(TABLE, 4, "198.51.100.4", 32) &&
	    fake_pf_contains(TABLE, 6, "2001:db8::7", 128) && fake_pf_bad == 0,
	    OS ": and they reach the new table (%zu, %s)",
	    fake_pf_count(TABLE), fake_pf_why);
	test_control_commands();
	teardown_core();

	test_start_limits();
	test_refused_adoption();
	test_allow_table();
	test_sync_table();
	fake_pf_reset(NULL);
	unlink(state_path);
	snprintf(state_path, sizeof(state_path), "%s/db", state_dir);
	rmdir(state_path);
	rmdir(state_dir);
	return T_DONE();
}
