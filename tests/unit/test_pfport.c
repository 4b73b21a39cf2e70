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
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "daemon.h"
#include "fake_pf.h"
#include "log.h"
#include "pflog.h"
#include "port.h"
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

static void
setup_core(void)
{
	char *argv[] = { "mxallowd", "-c", "/dev/null", "-f", FAKE_MX,
	    "-r", REAL_MX, "--user", "nobody", "--state-file", state_path,
	    NULL };
	char err[512];

	memset(&d, 0, sizeof(d));
	d.port = &pf_port;
	d.progname = "test_pfport";
	config_init(&d.cmdline);
	if (config_parse_args(&d.cmdline, 11, argv, MX_PORT_PF, err,
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

static bool
in_wl(const char *text)
{
	struct mx_addr a;

	addr_parse(text, &a);
	return wl_contains(d.wl, &a, mxd_now());
}

int
main(void)
{
	int64_t now = (int64_t)time(NULL), wltime;
	struct mx_addr a;
	bool ok;
	size_t n;

	log_init("test_pfport", true, LOG_LEVEL_QUIET);
	pfk_ioctl = fake_pf_ioctl;
	pfk_open_device = fake_pf_open;
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
	addr_parse("192.0.2.77", &a);
	wl_insert(d.wl, &a, mxd_now() + wltime);
	addr_parse("2001:db8::77", &a);
	wl_insert(d.wl, &a, mxd_now() + wltime);
	CHECK(fake_pf_ncalls == 0, OS ": siblings wait for the batch's end");
	pf_port.flush(&d);
	CHECK(fake_pf_ncmd(DIOCRADDADDRS) == 1 &&
	    fake_pf_contains(TABLE, 4, "192.0.2.77", 32) &&
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
	pf_port.stop(&d);
	wl_destroy(d.wl);
	free(d.state_path);
	config_free(&d.cfg);
	config_free(&d.cmdline);
	fake_pf_reset(NULL);
	unlink(state_path);
	snprintf(state_path, sizeof(state_path), "%s/db", state_dir);
	rmdir(state_path);
	rmdir(state_dir);
	return T_DONE();
}
