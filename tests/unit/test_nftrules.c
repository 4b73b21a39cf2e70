/*
 * Unit tests for linux/nftrules.c: the nftables backend's ruleset as
 * text, for the configurations that change it (families, prefixes,
 * observe, the allow list, recreating the sets), and the backend options
 * config.c refuses with the other backend.  Whether nft(8) and the kernel
 * take the text is tests/integration/nftset.sh's business.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "allow.h"
#include "config.h"
#include "nftrules.h"
#include "t.h"

#define L	MX_PORT_LINUX

static void
base(struct mx_config *cfg)
{
	struct mx_addr a;

	config_init(cfg);
	addr_parse("192.0.2.10", &a);
	addrlist_add(&cfg->fake, &a);
	addr_parse("192.0.2.20", &a);
	addrlist_add(&cfg->real, &a);
	cfg->nft_table = strdup("mxtest");
	cfg->backend = strdup("nftables");
	cfg->max_entries = 777;
	cfg->whitelist_time = 90;
	cfg->nflog_group = 7;
}

static bool
has(const char *text, const char *want)
{
	return text != NULL && strstr(text, want) != NULL;
}

/* How often want occurs in text. */
static int
count(const char *text, const char *want)
{
	int n = 0;

	while (text != NULL && (text = strstr(text, want)) != NULL) {
		n++;
		text += strlen(want);
	}
	return n;
}

static void
test_ipv4_only(void)
{
	struct mx_config cfg;
	char *t;

	base(&cfg);
	t = nftrules_build(&cfg, NULL, false);
	CHECK(t != NULL, "a ruleset is built");
	CHECK(has(t, "add table inet mxtest\n"), "the table is nft-table, "
	    "family inet");
	CHECK(has(t, "add set inet mxtest wl4 { type ipv4_addr; size 777; "
	    "flags dynamic,timeout; }\n") && has(t, "add set inet mxtest wl6 "
	    "{ type ipv6_addr; size 777; flags dynamic,timeout; }\n"),
	    "two dynamic timeout sets sized from max-entries");
	CHECK(!has(t, "delete set"), "existing sets are kept (adopted)");
	CHECK(has(t, "flush chain inet mxtest input\n") &&
	    has(t, "flush chain inet mxtest mx\n"), "both chains are replaced "
	    "in the same transaction");
	CHECK(has(t, "input tcp dport 25 tcp flags & (syn | ack) == syn jump "
	    "mx\n"), "only SYNs to port 25 reach the chain mx");
	CHECK(has(t, "mx ip daddr { 192.0.2.10 } update @wl4 { ip saddr "
	    "timeout 90s } goto fake\n") && has(t, "add rule inet mxtest fake "
	    "limit rate 1000/second burst 1000 packets log prefix \"mxallowd "
	    "fake\" group 7 accept\n") && has(t, "add rule inet mxtest fake "
	    "counter name \"fake_unlogged\" accept\n"),
	    "a fake-MX SYN adds or renews its sender for whitelist-time, "
	    "is logged to nflog-group (or past the rate only counted) and "
	    "accepted");
	CHECK(has(t, "mx ip daddr { 192.0.2.10 } goto full\n") &&
	    has(t, "full limit rate 1000/second burst 1000 packets log prefix "
	    "\"mxallowd full\" group 7 accept\n"), "a fake-MX SYN the full "
	    "set refused is logged apart and accepted");
	CHECK(has(t, "mx ip daddr { 192.0.2.20 } ip saddr @allow4 counter name "
	    "\"allowed\" accept\n"), "the allow list passes the real MX, "
	    "counted");
	CHECK(has(t, "mx ip daddr { 192.0.2.20 } ip saddr @wl4 update @wl4 { "
	    "ip saddr timeout 90s } counter name \"passed\" accept\n"),
	    "a listed sender's SYN to the real MX renews it and passes, "
	    "counted");
	CHECK(has(t, "add counter inet mxtest passed\n") &&
	    has(t, "add counter inet mxtest allowed\n"), "the named counters "
	    "are added (kept if there)");
	CHECK(has(t, "mx ip daddr { 192.0.2.20 } goto block\n") &&
	    has(t, "block limit rate 1000/second burst 1000 packets log prefix "
	    "\"mxallowd block\" group 7 drop\n") && has(t, "block counter "
	    "name \"block_unlogged\" drop\n"), "every other SYN to the real "
	    "MX is logged (or counted) and dropped");
	CHECK(strstr(t, "@allow4 counter") < strstr(t, "@wl4 update @wl4") &&
	    strstr(t, "@wl4 update @wl4") < strstr(t, "goto block"),
	    "allow list, then the set, then the drop");
	CHECK(!has(t, "ip6 daddr"), "no IPv6 rules without IPv6 MX "
	    "addresses");
	CHECK(!has(t, "add element"), "no allow list, no elements");
	free(t);
	config_free(&cfg);
}

static void
test_prefixes_v6_observe(void)
{
	struct mx_config cfg;
	struct mx_addr a;
	char *t;

	base(&cfg);
	addr_parse("2001:db8:2::10", &a);
	addrlist_add(&cfg.fake, &a);
	addr_parse("2001:db8:2::11", &a);
	addrlist_add(&cfg.fake, &a);
	addr_parse("2001:db8:2::20", &a);
	addrlist_add(&cfg.real, &a);
	cfg.whitelist_prefix4 = 24;
	cfg.whitelist_prefix6 = 56;
	cfg.observe = true;
	t = nftrules_build(&cfg, NULL, true);
	CHECK(has(t, "update @wl4 { ip saddr & 255.255.255.0 timeout 90s }"),
	    "whitelist-prefix4 masks the IPv4 source in the rule");
	CHECK(has(t, "ip saddr & 255.255.255.0 @wl4 update"), "and in the "
	    "real MX's lookup");
	CHECK(has(t, "mx ip6 daddr { 2001:db8:2::10, 2001:db8:2::11 } update "
	    "@wl6 { ip6 saddr & ffff:ffff:ffff:ff00:: timeout 90s }"),
	    "IPv6: every fake MX address, the source masked to 56 bits");
	CHECK(count(t, "log prefix \"mxallowd observe\" group 7 accept\n")
	    == 1 && count(t, "goto block\n") == 2 && !has(t, "drop"),
	    "observe: what would be dropped, in both families, is logged "
	    "and passed");
	CHECK(has(t, "flush chain inet mxtest block\ndelete set inet mxtest "
	    "wl4\ndelete set inet mxtest wl6\nadd set"), "recreate: the sets "
	    "are deleted after the chains that use them are emptied");
	free(t);
	config_free(&cfg);
}

static void
test_allow(void)
{
	struct mx_config cfg;
	struct mx_allow *al;
	char *list[] = { "203.0.113.0/24", "2001:db8:5::/48", "198.51.100.7",
	    "mail.example.org" };
	char *t;

	base(&cfg);
	al = allow_build(list, 4, NULL);
	t = nftrules_build(&cfg, al, false);
	CHECK(has(t, "flush set inet mxtest allow4\n") &&
	    has(t, "add element inet mxtest allow4 { 203.0.113.0/24, "
	    "198.51.100.7/32 }\n"), "the allow list's IPv4 networks fill "
	    "allow4 afresh");
	CHECK(has(t, "add element inet mxtest allow6 { 2001:db8:5::/48 }\n"),
	    "and its IPv6 networks allow6");
	CHECK(!has(t, "example"), "an unresolved host name adds nothing");
	free(t);
	allow_free(al);
	t = nftrules_remove(&cfg);
	CHECK(t != NULL && strcmp(t, "delete table inet mxtest\n") == 0,
	    "--remove-table deletes the table");
	free(t);
	config_free(&cfg);
}

/* The backend's options on the command line, as config_load() sees them. */
static int
load(const char **argv, int argc, char *err, size_t errlen)
{
	struct mx_config cmd, out;
	int rc;

	config_init(&cmd);
	if (config_parse_args(&cmd, argc, (char **)argv, L, err, errlen) !=
	    CONFIG_ARGS_OK) {
		config_free(&cmd);
		return -2;
	}
	rc = config_load(&out, &cmd, L, err, errlen);
	if (rc == 0)
		config_free(&out);
	config_free(&cmd);
	return rc;
}

#define ARGV(...)	((const char *[]){ "mxallowd", "-c", "/dev/null", \
			    "-f", "192.0.2.10", "-r", "192.0.2.20", \
			    __VA_ARGS__, NULL })
#define ARGC(v)		((int)(sizeof(v) / sizeof(v[0])) - 1)

static void
test_config(void)
{
	char err[512];
	const char **v;

	v = ARGV("--backend", "nftables");
	CHECK(load(v, ARGC(ARGV("--backend", "nftables")), err, sizeof(err))
	    == 0, "backend nftables needs no queue-num");
	err[0] = '\0';
	CHECK(load(ARGV("--backend", "nftables", "-n", "1"), 11, err,
	    sizeof(err)) == -1 && strcmp(err, "queue-num applies only to "
	    "backend nfqueue (backend is nftables)") == 0,
	    "queue-num is refused with backend nftables: %s", err);
	CHECK(load(ARGV("-n", "1", "--nflog-group", "3"), 11, err,
	    sizeof(err)) == -1 && strcmp(err, "nflog-group applies only to "
	    "backend nftables (backend is nfqueue)") == 0,
	    "nflog-group is refused with backend nfqueue: %s", err);
	CHECK(load(ARGV("-n", "1", "--nft-table", "x"), 11, err,
	    sizeof(err)) == -1 && strcmp(err, "nft-table applies only to "
	    "backend nftables (backend is nfqueue)") == 0,
	    "nft-table is refused with backend nfqueue");
	CHECK(load(ARGV("-n", "1", "--print-ruleset", "-s"), 11, err,
	    sizeof(err)) == -1 && strcmp(err, "print-ruleset applies only to "
	    "backend nftables (backend is nfqueue)") == 0,
	    "--print-ruleset is refused with backend nfqueue");
	CHECK(load(ARGV("--backend", "iptables", "-n", "1"), 11, err,
	    sizeof(err)) == -1 && strcmp(err, "backend: 'iptables' is not "
	    "nfqueue or nftables") == 0, "an unknown backend is refused");
	CHECK(load(ARGV("--backend", "nftables", "--nft-table", "a b"), 11,
	    err, sizeof(err)) == -1 && strncmp(err, "nft-table: 'a b' is not "
	    "a name", 28) == 0, "an nft-table that is no nft name is refused");
	CHECK(load(ARGV("--backend", "nftables", "--nflog-group", "65536"),
	    11, err, sizeof(err)) == -2, "nflog-group stays within 0..65535");
	CHECK(load(ARGV("--backend", "nfqueue", "-n", "1"), 11, err,
	    sizeof(err)) == 0, "backend nfqueue with queue-num is fine");
	err[0] = '\0';
	CHECK(load(ARGV("--backend", "nftables", "--nft-table", "x", "-s"),
	    12, err, sizeof(err)) == 0, "backend nftables with its options: "
	    "%s", err);
	(void)v;
}

int
main(void)
{
	test_ipv4_only();
	test_prefixes_v6_observe();
	test_allow();
	test_config();
	return T_DONE();
}
