/*
 * Unit tests for config.c: the command line, the config file, how the two
 * combine, and every error message, word for word.
 *
 * Config files are written to a private mkdtemp(3) directory.  Every
 * config_load() call names its file with -c, so the machine's own
 * /etc/mxallowd.conf cannot change the outcome; only the test of the
 * default path looks there, and it skips itself if that file exists.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "t.h"

#define L	MX_PORT_LINUX
#define PF	MX_PORT_PF

#define ARGV(...)	((const char *[]){ __VA_ARGS__, NULL })
#define GIVEN(cfg, id)	(((cfg)->given & (1ULL << (id))) != 0)

static char tmpdir[] = "/tmp/mxallowd-test-config.XXXXXX";
static char err[512];

/* Every config is filled with garbage first: nothing may rely on zeroes. */
static void
fresh(struct mx_config *cfg)
{
	memset(cfg, 0xa5, sizeof(*cfg));
	config_init(cfg);
}

/* argv[0] is the program; argv[argc] is NULL, as exec(2) leaves it. */
static enum config_args_result
parse_args(struct mx_config *cfg, unsigned port, const char **args)
{
	char *argv[64];
	int argc = 0;

	argv[argc++] = "mxallowd";
	while (args[argc - 1] != NULL && argc < 63) {
		argv[argc] = (char *)args[argc - 1];
		argc++;
	}
	argv[argc] = NULL;
	err[0] = '\0';
	return config_parse_args(cfg, argc, argv, port, err, sizeof(err));
}

/* A command line that must fail with exactly the message want. */
static bool
args_fail(unsigned port, const char **args, const char *want)
{
	struct mx_config cfg;
	enum config_args_result r;

	fresh(&cfg);
	r = parse_args(&cfg, port, args);
	config_free(&cfg);
	return r == CONFIG_ARGS_ERROR && strcmp(err, want) == 0;
}

static const char *
path_of(const char *name)
{
	static char path[4][PATH_MAX];
	static int next;
	char *p = path[next++ % 4];

	snprintf(p, PATH_MAX, "%s/%s", tmpdir, name);
	return p;
}

static const char *
write_file(const char *name, const char *text, size_t len)
{
	const char *path = path_of(name);
	FILE *fp;

	if ((fp = fopen(path, "w")) == NULL ||
	    fwrite(text, 1, len, fp) != len || fclose(fp) != 0) {
		perror(path);
		exit(2);
	}
	return path;
}

static const char *
write_conf(const char *text)
{
	return write_file("mxallowd.conf", text, strlen(text));
}

/* Parse text as a config file; returns config_parse_file's result. */
static int
parse_text(struct mx_config *cfg, unsigned port, const char *text)
{
	const char *path = write_conf(text);

	fresh(cfg);
	err[0] = '\0';
	return config_parse_file(cfg, path, true, port, err, sizeof(err));
}

/* A config file that must fail with "file:line: want". */
static bool
file_fail_len(unsigned port, const char *text, size_t len, unsigned line,
    const char *want)
{
	struct mx_config cfg;
	char full[PATH_MAX + 600];
	const char *path = write_file("bad.conf", text, len);
	int rc;

	fresh(&cfg);
	err[0] = '\0';
	rc = config_parse_file(&cfg, path, true, port, err, sizeof(err));
	config_free(&cfg);
	snprintf(full, sizeof(full), "%s:%u: %s", path, line, want);
	return rc == -1 && strcmp(err, full) == 0;
}

static bool
file_fail(unsigned port, const char *text, unsigned line, const char *want)
{
	return file_fail_len(port, text, strlen(text), line, want);
}

/* The command line, then config_load() on top of it. */
static int
load(struct mx_config *out, unsigned port, const char **args)
{
	struct mx_config cmd;
	enum config_args_result r;
	int rc;

	fresh(&cmd);
	if ((r = parse_args(&cmd, port, args)) != CONFIG_ARGS_OK) {
		config_free(&cmd);
		fresh(out);
		return -2;
	}
	memset(out, 0xa5, sizeof(*out));
	err[0] = '\0';
	rc = config_load(out, &cmd, port, err, sizeof(err));
	config_free(&cmd);
	return rc;
}

static bool
load_fail(unsigned port, const char **args, const char *want)
{
	struct mx_config out;
	int rc;

	rc = load(&out, port, args);
	/* A failed load leaves nothing to free. */
	return rc == -1 && strcmp(err, want) == 0 && out.fake.addrs == NULL &&
	    out.real.addrs == NULL && out.pidfile == NULL;
}

static bool
is_addr(const struct mx_addr *a, const char *text)
{
	struct mx_addr b;

	return addr_parse(text, &b) && addr_equal(a, &b);
}

static bool
str_is(const char *s, const char *want)
{
	return s != NULL && strcmp(s, want) == 0;
}

static void
test_table(void)
{
	size_t i, j;
	bool ids = true, names = true, shorts = true, lookup = true;
	uint64_t clo = 0;
	struct mx_config cfg;

	for (i = 0; i < OPT_COUNT; i++) {
		if (mx_options[i].id != (enum mx_option_id)i)
			ids = false;
		if (config_option(mx_options[i].name) != &mx_options[i])
			lookup = false;
		if (mx_options[i].command_line_only)
			clo |= 1ULL << mx_options[i].id;
		for (j = i + 1; j < OPT_COUNT; j++) {
			if (strcmp(mx_options[i].name, mx_options[j].name) == 0)
				names = false;
			if (mx_options[i].short_name != 0 &&
			    mx_options[i].short_name == mx_options[j].short_name)
				shorts = false;
		}
	}
	CHECK(ids, "mx_options[i].id == i (the given bits rely on it)");
	CHECK(names && shorts, "long and short option names are unique");
	CHECK(lookup && config_option("nope") == NULL &&
	    config_option("") == NULL && config_option("fake") == NULL,
	    "config_option finds every option by name, and nothing else");
	CHECK(clo == (1ULL << OPT_CONFIG | 1ULL << OPT_HELP |
	    1ULL << OPT_VERSION | 1ULL << OPT_REPLAY | 1ULL << OPT_PRINT_RULESET |
	    1ULL << OPT_REMOVE_TABLE), "config, help, version, replay, "
	    "print-ruleset and remove-table "
	    "and replay are the command-line-only options");
	CHECK(OPT_COUNT <= sizeof(cfg.given) * CHAR_BIT,
	    "every option has a bit in 'given'");
}

/* A value this option accepts, as text. */
static const char *
sample_value(const struct mx_option *opt, char *buf, size_t len)
{
	switch (opt->type) {
	case OPT_TYPE_ADDR:
		return "192.0.2.99";
	case OPT_TYPE_LIST:
		return "192.0.2.0/24";
	case OPT_TYPE_NUMBER:
		snprintf(buf, len, "%lld", opt->max);
		return buf;
	case OPT_TYPE_STRING:
		/* A URL, or a choice among a few words: forms of their own. */
		if (opt->id == OPT_FAKE_ANSWER)
			return "450";
		return opt->id == OPT_SYNC ? "redis://192.0.2.7:6380/2" :
		    "sample";
	case OPT_TYPE_BOOL:
		/* The opposite of the default, so setting it shows. */
		return str_is(opt->default_value, "yes") ? "no" : "yes";
	case OPT_TYPE_FLAG:
		break;
	}
	return NULL;
}

static enum config_args_result
expected_result(const struct mx_option *opt)
{
	if (opt->id == OPT_HELP)
		return CONFIG_ARGS_HELP;
	if (opt->id == OPT_VERSION)
		return CONFIG_ARGS_VERSION;
	return CONFIG_ARGS_OK;
}

/*
 * Every option of the table, in every form it has: --name value,
 * --name=value, -Xvalue, -X value, and a config file line.
 */
static void
test_every_option(void)
{
	struct mx_config cfg;
	const struct mx_option *opt;
	char num[32], lng[80], shrt[8], line[160];
	const char *v;
	unsigned port, forms = 0, bad = 0;
	enum config_args_result want;
	size_t i;
	int rc;

	for (i = 0; i < OPT_COUNT; i++) {
		opt = &mx_options[i];
		port = (opt->ports & L) ? L : PF;
		v = sample_value(opt, num, sizeof(num));
		want = expected_result(opt);
		snprintf(lng, sizeof(lng), "--%s", opt->name);
		snprintf(shrt, sizeof(shrt), "-%c", opt->short_name);

#define TRY(...) do {							\
	fresh(&cfg);							\
	if (parse_args(&cfg, port, ARGV(__VA_ARGS__)) != want ||	\
	    !GIVEN(&cfg, opt->id)) {					\
		bad++;							\
		printf("# %s: %s\n", opt->name, err);			\
	}								\
	forms++;							\
	config_free(&cfg);						\
} while (0)

		if (v == NULL) {
			TRY(lng);
			if (opt->short_name != 0)
				TRY(shrt);
		} else {
			TRY(lng, v);
			snprintf(lng, sizeof(lng), "--%s=%s", opt->name, v);
			TRY(lng);
			if (opt->short_name != 0) {
				TRY(shrt, v);
				snprintf(lng, sizeof(lng), "-%c%s",
				    opt->short_name, v);
				TRY(lng);
			}
		}
#undef TRY
		if (opt->command_line_only)
			continue;
		snprintf(line, sizeof(line), "%s%s%s\n", opt->name,
		    v ? " " : "", v ? v : "");
		rc = parse_text(&cfg, port, line);
		if (rc != 0 || !GIVEN(&cfg, opt->id)) {
			bad++;
			printf("# file %s: %s\n", opt->name, err);
		}
		forms++;
		config_free(&cfg);
	}
	CHECK(bad == 0, "every option is accepted in every command line form "
	    "and as a config file line (%u forms, %u failed)", forms, bad);
}

static void
test_args_values(void)
{
	struct mx_config cfg;
	enum config_args_result r;

	fresh(&cfg);
	r = parse_args(&cfg, L, ARGV("-f", "192.0.2.10",
	    "--fake-mailserver", "192.0.2.11", "--fake-mailserver=2001:db8::10",
	    "-f192.0.2.12", "-r", "192.0.2.20",
	    "--real-mailserver=2001:db8::20", "-t", "60", "-n", "3",
	    "--max-entries", "5000", "--pidfile", "/tmp/x.pid",
	    "-c", "/tmp/c.conf", "-R", "/tmp/r.pcap"));
	CHECK(r == CONFIG_ARGS_OK, "a full Linux command line parses (%s)",
	    err);
	CHECK(cfg.fake.count == 4 && is_addr(&cfg.fake.addrs[0], "192.0.2.10")
	    && is_addr(&cfg.fake.addrs[1], "192.0.2.11") &&
	    is_addr(&cfg.fake.addrs[2], "2001:db8::10") &&
	    is_addr(&cfg.fake.addrs[3], "192.0.2.12"),
	    "-f X, --fake-mailserver X, --fake-mailserver=X and -fX "
	    "accumulate in order");
	CHECK(cfg.real.count == 2 && is_addr(&cfg.real.addrs[0], "192.0.2.20")
	    && is_addr(&cfg.real.addrs[1], "2001:db8::20"),
	    "-r X and --real-mailserver=X accumulate");
	CHECK(cfg.whitelist_time == 60 && cfg.queue_num == 3 &&
	    cfg.max_entries == 5000, "numbers: -t 60, -n 3, --max-entries "
	    "5000");
	CHECK(str_is(cfg.pidfile, "/tmp/x.pid") &&
	    str_is(cfg.config_file, "/tmp/c.conf") &&
	    str_is(cfg.replay, "/tmp/r.pcap"), "strings: --pidfile, -c, -R");
	CHECK(!cfg.to_stdout && !cfg.quiet && !cfg.debug && !cfg.foreground &&
	    !cfg.no_rdns_whitelist, "flags not given stay off");
	CHECK(GIVEN(&cfg, OPT_FAKE_MAILSERVER) && GIVEN(&cfg, OPT_PIDFILE) &&
	    GIVEN(&cfg, OPT_REPLAY) && !GIVEN(&cfg, OPT_STDOUT) &&
	    !GIVEN(&cfg, OPT_PFLOG_INTERFACE), "'given' marks exactly the "
	    "options given");
	config_free(&cfg);

	fresh(&cfg);
	r = parse_args(&cfg, L, ARGV("-f", "192.0.2.10", "-f", "192.0.2.11",
	    "-f", "192.0.2.10", "-f", "::ffff:192.0.2.11"));
	CHECK(r == CONFIG_ARGS_OK && cfg.fake.count == 2,
	    "a repeated -f accumulates without duplicates");
	config_free(&cfg);

	fresh(&cfg);
	r = parse_args(&cfg, L, ARGV("-t60"));
	CHECK(r == CONFIG_ARGS_OK && cfg.whitelist_time == 60, "-t60");
	config_free(&cfg);
	fresh(&cfg);
	r = parse_args(&cfg, L, ARGV("-t", "61"));
	CHECK(r == CONFIG_ARGS_OK && cfg.whitelist_time == 61, "-t 61");
	config_free(&cfg);
	fresh(&cfg);
	r = parse_args(&cfg, L, ARGV("--whitelist-time=62"));
	CHECK(r == CONFIG_ARGS_OK && cfg.whitelist_time == 62,
	    "--whitelist-time=62");
	config_free(&cfg);
	fresh(&cfg);
	r = parse_args(&cfg, L, ARGV("--whitelist-time", "63", "-t", "64"));
	CHECK(r == CONFIG_ARGS_OK && cfg.whitelist_time == 64,
	    "--whitelist-time 63 then -t 64: the last one wins");
	config_free(&cfg);
	fresh(&cfg);
	r = parse_args(&cfg, L, ARGV("-t", "31622400", "-n", "0",
	    "--max-entries", "1073741824"));
	CHECK(r == CONFIG_ARGS_OK && cfg.whitelist_time == 31622400 &&
	    cfg.queue_num == 0 && cfg.max_entries == 1073741824,
	    "the limits of each number range are accepted");
	config_free(&cfg);
}

static void
test_args_flags(void)
{
	struct mx_config cfg;
	enum config_args_result r;

	fresh(&cfg);
	r = parse_args(&cfg, L, ARGV("-sqF"));
	CHECK(r == CONFIG_ARGS_OK && cfg.to_stdout && cfg.quiet &&
	    cfg.foreground && !cfg.debug && !cfg.no_rdns_whitelist,
	    "grouped flags -sqF set stdout, quiet and foreground only");
	config_free(&cfg);

	fresh(&cfg);
	r = parse_args(&cfg, L, ARGV("-d", "-b"));
	CHECK(r == CONFIG_ARGS_OK && cfg.debug && cfg.no_rdns_whitelist &&
	    !cfg.to_stdout, "-d and -b");
	config_free(&cfg);

	fresh(&cfg);
	r = parse_args(&cfg, L, ARGV("--stdout", "--quiet", "--debug",
	    "--foreground", "--no-rdns-whitelist"));
	CHECK(r == CONFIG_ARGS_OK && cfg.to_stdout && cfg.quiet && cfg.debug &&
	    cfg.foreground && cfg.no_rdns_whitelist, "every flag in long form");
	config_free(&cfg);

	fresh(&cfg);
	r = parse_args(&cfg, L, ARGV("-sn5", "-Ft", "70"));
	CHECK(r == CONFIG_ARGS_OK && cfg.to_stdout && cfg.queue_num == 5 &&
	    cfg.foreground && cfg.whitelist_time == 70,
	    "-sn5 and -Ft 70: flags, then an option whose value ends the group");
	config_free(&cfg);

	fresh(&cfg);
	r = parse_args(&cfg, L, ARGV("-f", "192.0.2.10", "--"));
	CHECK(r == CONFIG_ARGS_OK && cfg.fake.count == 1,
	    "a final -- is accepted");
	config_free(&cfg);

	fresh(&cfg);
	r = parse_args(&cfg, L, ARGV("-h"));
	CHECK(r == CONFIG_ARGS_HELP, "-h asks for help");
	config_free(&cfg);
	fresh(&cfg);
	r = parse_args(&cfg, L, ARGV("-s", "--help", "-x"));
	CHECK(r == CONFIG_ARGS_HELP, "--help stops parsing and asks for help");
	config_free(&cfg);
	fresh(&cfg);
	r = parse_args(&cfg, L, ARGV("-sV"));
	CHECK(r == CONFIG_ARGS_VERSION, "-V in a group asks for the version");
	config_free(&cfg);
	fresh(&cfg);
	r = parse_args(&cfg, PF, ARGV("--version"));
	CHECK(r == CONFIG_ARGS_VERSION, "--version asks for the version");
	config_free(&cfg);
}

static void
test_args_pf(void)
{
	struct mx_config cfg;
	enum config_args_result r;

	fresh(&cfg);
	r = parse_args(&cfg, PF, ARGV("-p", "pflog1", "-l",
	    "tcp port 25 and not net 10.0.0.0/8", "--table=mx-t", "--user",
	    "nobody", "-f", "192.0.2.10"));
	CHECK(r == CONFIG_ARGS_OK && str_is(cfg.pflog_interface, "pflog1") &&
	    str_is(cfg.pcap_filter, "tcp port 25 and not net 10.0.0.0/8") &&
	    str_is(cfg.table, "mx-t") && str_is(cfg.user, "nobody") &&
	    cfg.fake.count == 1, "pf options: -p, -l, --table, --user");
	config_free(&cfg);

	fresh(&cfg);
	r = parse_args(&cfg, PF, ARGV("--pflog-interface=pflog2",
	    "--pcap-filter", "port 2525", "-ppflog3"));
	CHECK(r == CONFIG_ARGS_OK && str_is(cfg.pflog_interface, "pflog3") &&
	    str_is(cfg.pcap_filter, "port 2525"),
	    "a repeated string option: the last one wins");
	config_free(&cfg);
}

/* The reverse-DNS and prefix options: defaults, yes/no values, ranges. */
static void
test_rdns_options(void)
{
	struct mx_config cfg, out;
	enum config_args_result r;
	const char *path;
	bool ok;
	int rc;

	fresh(&cfg);
	CHECK(cfg.rdns_forward_confirm && cfg.rdns_max_addresses == 32 &&
	    cfg.dns_threads == 4 && cfg.dns_queue == 4096 &&
	    cfg.dns_cache_size == 16384 && cfg.dns_cache_time == 600 &&
	    cfg.whitelist_prefix4 == 32 && cfg.whitelist_prefix6 == 128,
	    "reverse-DNS and prefix defaults: confirm yes, 32 addresses, "
	    "4 threads, queue 4096, cache 16384 for 600s, /32 and /128");
	r = parse_args(&cfg, L, ARGV("--rdns-require-forward-confirm=no",
	    "--rdns-max-addresses", "8", "--dns-threads=2", "--dns-queue",
	    "100", "--dns-cache-size", "50", "--dns-cache-time", "0",
	    "--whitelist-prefix4", "24", "--whitelist-prefix6=64"));
	CHECK(r == CONFIG_ARGS_OK && !cfg.rdns_forward_confirm &&
	    cfg.rdns_max_addresses == 8 && cfg.dns_threads == 2 &&
	    cfg.dns_queue == 100 && cfg.dns_cache_size == 50 &&
	    cfg.dns_cache_time == 0 && cfg.whitelist_prefix4 == 24 &&
	    cfg.whitelist_prefix6 == 64, "reverse-DNS and prefix options on "
	    "the command line (%s)", err);
	config_free(&cfg);

	rc = parse_text(&cfg, L, "rdns-require-forward-confirm off\n"
	    "whitelist-prefix6 48\n");
	CHECK(rc == 0 && !cfg.rdns_forward_confirm &&
	    cfg.whitelist_prefix6 == 48, "reverse-DNS and prefix options in "
	    "the file (%s)", err);
	config_free(&cfg);

	path = write_conf("rdns-require-forward-confirm no\n"
	    "whitelist-prefix4 16\n");
	rc = load(&out, L, ARGV("-c", path, "-f", "192.0.2.10", "-r",
	    "192.0.2.20", "-n", "1", "--rdns-require-forward-confirm", "yes"));
	CHECK(rc == 0 && out.rdns_forward_confirm &&
	    out.whitelist_prefix4 == 16, "a yes on the command line "
	    "overrides the file's no (%s)", err);
	config_free(&out);

	ok = args_fail(L, ARGV("--rdns-require-forward-confirm"),
	    "--rdns-require-forward-confirm: needs a value (yes|no)");
	CHECK(ok, "a yes/no option needs its value on the command line "
	    "(got \"%s\")", err);
	ok = args_fail(L, ARGV("--rdns-require-forward-confirm=maybe"),
	    "--rdns-require-forward-confirm: 'maybe' is not yes or no");
	CHECK(ok, "a yes/no option rejects other words (got \"%s\")", err);
	ok = args_fail(L, ARGV("--whitelist-prefix4", "7"),
	    "--whitelist-prefix4: '7' is not a whole number from 8 to 32");
	CHECK(ok, "whitelist-prefix4 below 8 is refused (got \"%s\")", err);
	ok = args_fail(L, ARGV("--whitelist-prefix6=129"),
	    "--whitelist-prefix6: '129' is not a whole number from 16 to 128");
	CHECK(ok, "whitelist-prefix6 above 128 is refused (got \"%s\")", err);
	ok = file_fail(L, "rdns-require-forward-confirm\n", 1,
	    "rdns-require-forward-confirm: needs a value (yes|no)");
	CHECK(ok, "a yes/no option needs its value in the file (got \"%s\")",
	    err);
}

/* Two parses of one command line agree: nothing global like optind. */
static void
test_args_again(void)
{
	struct mx_config a, b;
	enum config_args_result ra, rb;

	fresh(&a);
	fresh(&b);
	ra = parse_args(&a, L, ARGV("-sq", "-f", "192.0.2.10", "-t30"));
	rb = parse_args(&b, L, ARGV("-sq", "-f", "192.0.2.10", "-t30"));
	CHECK(ra == CONFIG_ARGS_OK && rb == CONFIG_ARGS_OK &&
	    a.given == b.given && b.whitelist_time == 30 && b.fake.count == 1 &&
	    b.to_stdout && b.quiet, "the command line parses the same twice "
	    "(as on SIGHUP)");
	config_free(&a);
	config_free(&b);
}

static void
test_args_errors(void)
{
	bool ok;

#define ARGS_FAIL(port, want, ...) do {					\
	ok = args_fail(port, ARGV(__VA_ARGS__), want);			\
	CHECK(ok, "error \"%s\" (got \"%s\")", want, err);		\
} while (0)

	ARGS_FAIL(L, "unknown option -x", "-x");
	ARGS_FAIL(L, "unknown option -x", "-sx");
	ARGS_FAIL(L, "unknown option --bogus", "--bogus");
	ARGS_FAIL(L, "unknown option --bogus", "--bogus=1");
	ARGS_FAIL(L, "unknown option --fake", "--fake", "192.0.2.10");
	ARGS_FAIL(L, "--stdout takes no value", "--stdout=yes");
	ARGS_FAIL(L, "--no-rdns-whitelist takes no value",
	    "--no-rdns-whitelist=");
	ARGS_FAIL(L, "-f/--fake-mailserver: '192.0.2.300' is not an IPv4 or "
	    "IPv6 address", "-f", "192.0.2.300");
	ARGS_FAIL(L, "-r/--real-mailserver: 'mx.example.com' is not an IPv4 "
	    "or IPv6 address", "--real-mailserver=mx.example.com");
	ARGS_FAIL(L, "-f/--fake-mailserver: '192.0.2.0/24' is not an IPv4 or "
	    "IPv6 address", "-f192.0.2.0/24");
	ARGS_FAIL(L, "-t/--whitelist-time: '0' is not a whole number from 1 "
	    "to 31622400", "-t", "0");
	ARGS_FAIL(L, "-t/--whitelist-time: '31622401' is not a whole number "
	    "from 1 to 31622400", "-t31622401");
	ARGS_FAIL(L, "-t/--whitelist-time: 'ten' is not a whole number from 1 "
	    "to 31622400", "--whitelist-time", "ten");
	ARGS_FAIL(L, "-t/--whitelist-time: '-5' is not a whole number from 1 "
	    "to 31622400", "-t", "-5");
	ARGS_FAIL(L, "-t/--whitelist-time: '+5' is not a whole number from 1 "
	    "to 31622400", "-t", "+5");
	ARGS_FAIL(L, "-t/--whitelist-time: '60s' is not a whole number from 1 "
	    "to 31622400", "-t", "60s");
	ARGS_FAIL(L, "-t/--whitelist-time: ' 60' is not a whole number from 1 "
	    "to 31622400", "-t", " 60");
	ARGS_FAIL(L, "-t/--whitelist-time: '99999999999999999999' is not a "
	    "whole number from 1 to 31622400", "-t", "99999999999999999999");
	ARGS_FAIL(L, "-n/--queue-num: '65536' is not a whole number from 0 to "
	    "65535", "-n", "65536");
	ARGS_FAIL(L, "--max-entries: '0' is not a whole number from 1 to "
	    "1073741824", "--max-entries", "0");
	ARGS_FAIL(L, "--max-entries: '1073741825' is not a whole number from "
	    "1 to 1073741824", "--max-entries=1073741825");
	ARGS_FAIL(L, "-f/--fake-mailserver: needs a value (address)",
	    "-s", "-f");
	ARGS_FAIL(L, "-r/--real-mailserver: needs a value (address)",
	    "--real-mailserver");
	ARGS_FAIL(L, "-t/--whitelist-time: needs a value (seconds)", "-t", "");
	ARGS_FAIL(L, "--pidfile: needs a value (file)", "--pidfile=");
	ARGS_FAIL(L, "--max-entries: needs a value (number)", "--max-entries");
	ARGS_FAIL(L, "-c/--config: needs a value (file)", "-sc");
	ARGS_FAIL(L, "-p/--pflog-interface: applies only to the pf (BSD) port",
	    "-p", "pflog0");
	ARGS_FAIL(L, "-l/--pcap-filter: applies only to the pf (BSD) port",
	    "--pcap-filter=port 25");
	ARGS_FAIL(L, "--table: applies only to the pf (BSD) port",
	    "--table", "mx-white");
	ARGS_FAIL(PF, "--chroot: applies only to the Linux (NFQUEUE) port",
	    "--chroot", "/var/empty");
	ARGS_FAIL(PF, "-n/--queue-num: applies only to the Linux (NFQUEUE) "
	    "port", "-n", "1");
	ARGS_FAIL(PF, "-n/--queue-num: applies only to the Linux (NFQUEUE) "
	    "port", "--queue-num=1");
	ARGS_FAIL(L, "unexpected argument 'extra'", "-f", "192.0.2.10",
	    "extra");
	ARGS_FAIL(L, "unexpected argument '-'", "-");
	ARGS_FAIL(L, "unexpected argument '-f'", "--", "-f", "192.0.2.10");
#undef ARGS_FAIL
}

static void
test_file_values(void)
{
	struct mx_config cfg;
	int rc;

	rc = parse_text(&cfg, L,
	    "# mxallowd test configuration\n"
	    "\n"
	    "fake-mailserver 192.0.2.10\n"
	    "fake-mailserver=192.0.2.11\n"
	    "\t  fake-mailserver   2001:db8::10   # indented, commented\n"
	    "real-mailserver = 192.0.2.20\n"
	    "real-mailserver\t2001:db8::20\r\n"
	    "   # an indented comment\n"
	    "whitelist-time 120\n"
	    "queue-num=7\n"
	    "max-entries 5000\n"
	    "pidfile /tmp/mx.pid\n"
	    "stdout\n"
	    "quiet yes\n"
	    "debug=on\n"
	    "foreground true\n"
	    "no-rdns-whitelist 1\n"
	    "   \t\n"
	    "# no newline at the end\n"
	    "whitelist-time 130");
	CHECK(rc == 0, "a file with every Linux key parses (%s)", err);
	CHECK(cfg.fake.count == 3 && is_addr(&cfg.fake.addrs[0], "192.0.2.10")
	    && is_addr(&cfg.fake.addrs[1], "192.0.2.11") &&
	    is_addr(&cfg.fake.addrs[2], "2001:db8::10"),
	    "fake-mailserver lines accumulate: 'key value', 'key=value', "
	    "indented with a comment");
	CHECK(cfg.real.count == 2 && is_addr(&cfg.real.addrs[0], "192.0.2.20")
	    && is_addr(&cfg.real.addrs[1], "2001:db8::20"),
	    "real-mailserver: 'key = value' and a tab with CRLF");
	CHECK(cfg.whitelist_time == 130 && cfg.queue_num == 7 &&
	    cfg.max_entries == 5000, "numbers; the last line without a "
	    "newline counts and wins");
	CHECK(str_is(cfg.pidfile, "/tmp/mx.pid"), "pidfile");
	CHECK(cfg.to_stdout && cfg.quiet && cfg.debug && cfg.foreground &&
	    cfg.no_rdns_whitelist, "flags: bare, yes, on, true, 1");
	CHECK(GIVEN(&cfg, OPT_QUEUE_NUM) && GIVEN(&cfg, OPT_STDOUT) &&
	    !GIVEN(&cfg, OPT_CONFIG), "'given' marks the file's options");
	config_free(&cfg);

	rc = parse_text(&cfg, PF,
	    "pflog-interface pflog1\n"
	    "pcap-filter tcp dst port 25 and not src net 10.0.0.0/8\n"
	    "table mx-white2\n"
	    "user _mx\n");
	CHECK(rc == 0 && str_is(cfg.pflog_interface, "pflog1") &&
	    str_is(cfg.pcap_filter,
	    "tcp dst port 25 and not src net 10.0.0.0/8") &&
	    str_is(cfg.table, "mx-white2") && str_is(cfg.user, "_mx"),
	    "every pf key; a value keeps its inner blanks");
	config_free(&cfg);

	rc = parse_text(&cfg, L, "");
	CHECK(rc == 0 && cfg.given == 0 && cfg.whitelist_time == 3600,
	    "an empty file changes nothing");
	config_free(&cfg);
}

struct flag_field {
	const char	*name;
	size_t		 offset;
};

static const struct flag_field flags[] = {
	{ "stdout", offsetof(struct mx_config, to_stdout) },
	{ "quiet", offsetof(struct mx_config, quiet) },
	{ "debug", offsetof(struct mx_config, debug) },
	{ "foreground", offsetof(struct mx_config, foreground) },
	{ "no-rdns-whitelist", offsetof(struct mx_config, no_rdns_whitelist) },
};

/* Every flag, set with every spelling of yes, cleared with every no. */
static void
test_file_bools(void)
{
	static const char *yes[] = { "yes", "true", "on", "1", "YES", "On" };
	static const char *no[] = { "no", "false", "off", "0", "No", "FALSE" };
	struct mx_config cfg;
	char text[128];
	size_t f, i;
	unsigned tries = 0, bad = 0;
	bool *field;
	int rc;

	for (f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
		for (i = 0; i < 6; i++) {
			snprintf(text, sizeof(text), "%s %s\n", flags[f].name,
			    yes[i]);
			rc = parse_text(&cfg, L, text);
			field = (bool *)((char *)&cfg + flags[f].offset);
			if (rc != 0 || !*field)
				bad++;
			config_free(&cfg);
			snprintf(text, sizeof(text), "%s\n%s=%s\n",
			    flags[f].name, flags[f].name, no[i]);
			rc = parse_text(&cfg, L, text);
			field = (bool *)((char *)&cfg + flags[f].offset);
			if (rc != 0 || *field)
				bad++;
			config_free(&cfg);
			tries += 2;
		}
	}
	CHECK(bad == 0, "every flag takes yes/true/on/1 and no/false/off/0 in "
	    "any case in the file (%u tries, %u wrong)", tries, bad);
}

static void
test_file_errors(void)
{
	/* A NUL would cut the rest of the line off unseen. */
	static const char nul_inside[] =
	    "stdout\nfake-mailserver 192.0.2.1\0junk\n";
	static const char nul_only[] = "\0\n";
	struct mx_config cfg;
	const char *path;
	char want[PATH_MAX + 64];
	bool ok;
	int rc;

#define FILE_FAIL(port, text, line, msg) do {				\
	ok = file_fail(port, text, line, msg);				\
	CHECK(ok, "file error %u: %s (got \"%s\")", line, msg, err);	\
} while (0)

	FILE_FAIL(L, "# comment\n\nbogus 1\n", 3, "unknown option 'bogus'");
	FILE_FAIL(L, "stdout\nfake\n", 2, "unknown option 'fake'");
	FILE_FAIL(L, "--stdout\n", 1, "unknown option '--stdout'");
	FILE_FAIL(L, "bogus\nalso-bogus\n", 1, "unknown option 'bogus'");
	FILE_FAIL(L, "# the name was deleted\n= 192.0.2.10\n", 2,
	    "'192.0.2.10' has no option name");
	FILE_FAIL(L, "fake-mailserver 192.0.2\n", 1,
	    "fake-mailserver: '192.0.2' is not an IPv4 or IPv6 address");
	FILE_FAIL(L, "real-mailserver 192.0.2.1 192.0.2.2\n", 1,
	    "real-mailserver: '192.0.2.1 192.0.2.2' is not an IPv4 or IPv6 "
	    "address");
	FILE_FAIL(L, "whitelist-time 60\nwhitelist-time 0\n", 2,
	    "whitelist-time: '0' is not a whole number from 1 to 31622400");
	FILE_FAIL(L, "whitelist-time ten\n", 1,
	    "whitelist-time: 'ten' is not a whole number from 1 to 31622400");
	FILE_FAIL(L, "max-entries 2000000000\n", 1,
	    "max-entries: '2000000000' is not a whole number from 1 to "
	    "1073741824");
	FILE_FAIL(L, "queue-num -1\n", 1,
	    "queue-num: '-1' is not a whole number from 0 to 65535");
	FILE_FAIL(L, "queue-num\n", 1, "queue-num: needs a value (number)");
	FILE_FAIL(L, "pidfile =  # no value\n", 1,
	    "pidfile: needs a value (file)");
	FILE_FAIL(L, "fake-mailserver=\n", 1,
	    "fake-mailserver: needs a value (address)");
	FILE_FAIL(L, "config /etc/other.conf\n", 1,
	    "config can only be given on the command line");
	FILE_FAIL(L, "help\n", 1, "help can only be given on the command line");
	FILE_FAIL(L, "version yes\n", 1,
	    "version can only be given on the command line");
	FILE_FAIL(L, "replay /tmp/x.pcap\n", 1,
	    "replay can only be given on the command line");
	FILE_FAIL(L, "stdout maybe\n", 1, "stdout: 'maybe' is not yes or no");
	FILE_FAIL(L, "quiet yes please\n", 1,
	    "quiet: 'yes please' is not yes or no");
	FILE_FAIL(L, "pflog-interface pflog0\n", 1,
	    "pflog-interface: applies only to the pf (BSD) port");
	FILE_FAIL(L, "table mx-white\n", 1,
	    "table: applies only to the pf (BSD) port");
	FILE_FAIL(PF, "queue-num 1\n", 1,
	    "queue-num: applies only to the Linux (NFQUEUE) port");
#undef FILE_FAIL

	ok = file_fail_len(L, nul_inside, sizeof(nul_inside) - 1, 2,
	    "line contains a NUL byte");
	CHECK(ok, "file error 2: a NUL byte in a line (got \"%s\")", err);
	ok = file_fail_len(L, nul_only, sizeof(nul_only) - 1, 1,
	    "line contains a NUL byte");
	CHECK(ok, "file error 1: a line that is only a NUL byte (got \"%s\")",
	    err);

	/* Named with -c: a missing file is an error. */
	path = path_of("does-not-exist.conf");
	fresh(&cfg);
	rc = config_parse_file(&cfg, path, true, L, err, sizeof(err));
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	CHECK(rc == -1 && strcmp(err, want) == 0,
	    "a missing named file: \"%s\" (got \"%s\")", want, err);
	config_free(&cfg);
	/* The default file may be absent. */
	fresh(&cfg);
	err[0] = '\0';
	rc = config_parse_file(&cfg, path, false, L, err, sizeof(err));
	CHECK(rc == 0 && err[0] == '\0' && cfg.given == 0,
	    "a missing default file is fine and changes nothing");
	config_free(&cfg);
	fresh(&cfg);
	rc = config_parse_file(&cfg, tmpdir, false, L, err, sizeof(err));
	snprintf(want, sizeof(want), "%s: ", tmpdir);
	CHECK(rc == -1 && strncmp(err, want, strlen(want)) == 0,
	    "a directory as config file is an error (\"%s\")", err);
	config_free(&cfg);
}

static void
test_load_override(void)
{
	struct mx_config out;
	const char *path;
	int rc;

	path = write_conf(
	    "fake-mailserver 192.0.2.10\n"
	    "fake-mailserver 192.0.2.11\n"
	    "real-mailserver 192.0.2.20\n"
	    "real-mailserver 192.0.2.21\n"
	    "whitelist-time 120\n"
	    "queue-num 7\n"
	    "max-entries 5000\n"
	    "pidfile /tmp/a.pid\n"
	    "quiet no\n"
	    "debug yes\n");
	rc = load(&out, L, ARGV("-c", path, "-f", "192.0.2.12", "-t", "30",
	    "--pidfile", "/tmp/b.pid", "-q"));
	CHECK(rc == 0, "config_load with -c and command line options (%s)",
	    err);
	CHECK(out.fake.count == 1 && is_addr(&out.fake.addrs[0], "192.0.2.12"),
	    "a -f list on the command line replaces the file's list");
	CHECK(out.real.count == 2 && is_addr(&out.real.addrs[1], "192.0.2.21"),
	    "the file's real-mailserver list stays when -r is not given");
	CHECK(out.whitelist_time == 30 && out.queue_num == 7 &&
	    out.max_entries == 5000, "a number on the command line overrides "
	    "the file's; the others come from the file");
	CHECK(str_is(out.pidfile, "/tmp/b.pid"),
	    "a string on the command line overrides the file's");
	CHECK(out.quiet && out.debug, "a flag on the command line overrides "
	    "the file's 'no'; the file's 'yes' stays");
	config_free(&out);

	rc = load(&out, L, ARGV("-c", path, "-r", "2001:db8::20", "-r",
	    "2001:db8::21", "-n", "9"));
	CHECK(rc == 0 && out.real.count == 2 &&
	    is_addr(&out.real.addrs[0], "2001:db8::20") &&
	    is_addr(&out.real.addrs[1], "2001:db8::21") &&
	    out.fake.count == 2 && out.queue_num == 9 &&
	    str_is(out.pidfile, "/tmp/a.pid"),
	    "-r on the command line replaces the file's real list; the rest "
	    "of the file stays");
	config_free(&out);
}

static void
test_load_defaults(void)
{
	struct mx_config out;
	const char *path;
	int rc;

	path = write_conf("# nothing\n");
	rc = load(&out, L, ARGV("-c", path, "-f", "192.0.2.10", "-r",
	    "192.0.2.20", "-n", "1"));
	CHECK(rc == 0 && out.whitelist_time == 3600 &&
	    out.max_entries == 100000 &&
	    str_is(out.pidfile, "/var/run/mxallowd.pid"),
	    "defaults: whitelist-time 3600, max-entries 100000, pidfile "
	    "/var/run/mxallowd.pid");
	CHECK(!out.to_stdout && !out.quiet && !out.debug && !out.foreground &&
	    !out.no_rdns_whitelist && out.replay == NULL,
	    "defaults: every flag off, no replay");
	config_free(&out);

	rc = load(&out, PF, ARGV("-c", path, "-f", "192.0.2.10", "-r",
	    "192.0.2.20"));
	CHECK(rc == 0 && str_is(out.pflog_interface, "pflog0") &&
	    str_is(out.pcap_filter, "port 25") &&
	    str_is(out.table, "mx-white") && str_is(out.user, "_mxallowd"),
	    "pf defaults: pflog0, 'port 25', table mx-white, user _mxallowd "
	    "(%s)", err);
	CHECK(out.queue_num == -1, "the pf port needs no queue-num");
	config_free(&out);

	path = write_conf("pflog-interface pflog7\n");
	rc = load(&out, PF, ARGV("-c", path, "-f", "192.0.2.10", "-r",
	    "192.0.2.20", "--user", "mx"));
	CHECK(rc == 0 && str_is(out.pflog_interface, "pflog7") &&
	    str_is(out.user, "mx") && str_is(out.table, "mx-white"),
	    "defaults fill only what neither the file nor the command line "
	    "gave");
	config_free(&out);
}

static void
test_load_errors(void)
{
	char want[PATH_MAX + 128];
	const char *path;
	bool ok;

#define LOAD_FAIL(port, want, ...) do {					\
	ok = load_fail(port, ARGV(__VA_ARGS__), want);			\
	CHECK(ok, "load error \"%s\" (got \"%s\")", want, err);	\
} while (0)

	path = path_of("missing.conf");
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	LOAD_FAIL(L, want, "-c", path, "-f", "192.0.2.10", "-r", "192.0.2.20",
	    "-n", "1");

	path = write_conf("fake-mailserver 192.0.2.10\nwhitelist-time x\n");
	snprintf(want, sizeof(want), "%s:2: whitelist-time: 'x' is not a "
	    "whole number from 1 to 31622400", path);
	LOAD_FAIL(L, want, "-c", path, "-r", "192.0.2.20", "-n", "1");

	path = write_conf("# empty\n");
	LOAD_FAIL(L, "no fake-mailserver given (-f)", "-c", path,
	    "-r", "192.0.2.20", "-n", "1");
	LOAD_FAIL(L, "no real-mailserver given (-r)", "-c", path,
	    "-f", "192.0.2.10", "-n", "1");
	LOAD_FAIL(PF, "no real-mailserver given (-r)", "-c", path,
	    "-f", "192.0.2.10");
	LOAD_FAIL(L, "192.0.2.10 is both a fake and a real mailserver",
	    "-c", path, "-f", "192.0.2.11", "-f", "192.0.2.10",
	    "-r", "192.0.2.10", "-n", "1");
	LOAD_FAIL(L, "2001:db8::10 is both a fake and a real mailserver",
	    "-c", path, "-f", "2001:db8::10", "-r", "2001:db8:0::10",
	    "-n", "1");
	LOAD_FAIL(L, "no queue-num given (-n): it must match the --queue-num "
	    "of the NFQUEUE firewall rule", "-c", path, "-f", "192.0.2.10",
	    "-r", "192.0.2.20");

	path = write_conf("fake-mailserver ::ffff:192.0.2.10\n");
	LOAD_FAIL(L, "192.0.2.10 is both a fake and a real mailserver",
	    "-c", path, "-r", "192.0.2.10", "-n", "1");
#undef LOAD_FAIL
}

static void
test_validate(void)
{
	struct mx_config out, cfg;
	const char *path;
	int rc;

	path = write_conf("queue-num 4\n");
	rc = load(&out, L, ARGV("-c", path, "-f", "192.0.2.10", "-r",
	    "192.0.2.20"));
	CHECK(rc == 0 && out.queue_num == 4,
	    "queue-num from the file satisfies the Linux port");
	config_free(&out);

	path = write_conf("# empty\n");
	rc = load(&out, L, ARGV("-c", path, "-f", "192.0.2.10", "-r",
	    "192.0.2.20", "--replay", "/tmp/x.pcap"));
	CHECK(rc == 0 && str_is(out.replay, "/tmp/x.pcap"),
	    "no queue-num is fine on Linux with --replay (%s)", err);
	config_free(&out);

	fresh(&cfg);
	rc = config_validate(&cfg, L, err, sizeof(err));
	CHECK(rc == -1 && strcmp(err, "no fake-mailserver given (-f)") == 0,
	    "config_validate on an empty config wants a fake MX first");
	config_free(&cfg);
}

/* Without -c, config_load reads /etc/mxallowd.conf if there is one. */
static void
test_default_path(void)
{
	struct mx_config out;
	int rc;

	if (access(CONFIG_DEFAULT_FILE, F_OK) == 0) {
		printf("# skip: %s exists on this machine, so the default "
		    "path cannot be tested without it changing the result\n",
		    CONFIG_DEFAULT_FILE);
		return;
	}
	rc = load(&out, L, ARGV("-f", "192.0.2.10", "-r", "192.0.2.20",
	    "-n", "2"));
	CHECK(rc == 0 && err[0] == '\0' && out.queue_num == 2 &&
	    out.fake.count == 1, "without -c, a missing %s is fine (%s)",
	    CONFIG_DEFAULT_FILE, err);
	config_free(&out);
}

static bool
has_text(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

static void
test_usage(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	if ((fp = open_memstream(&text, &len)) == NULL)
		abort();
	config_usage(fp, "mxallowd", L);
	fclose(fp);
	CHECK(has_text(text, "usage: mxallowd [options] -f address -r address "
	    "[-n number | --backend nftables]\n") &&
	    has_text(text, "-f, --fake-mailserver address") &&
	    has_text(text, "--max-entries number") &&
	    has_text(text, "(default: 3600)") &&
	    !has_text(text, "--pflog-interface") && !has_text(text, "--table"),
	    "Linux usage lists the Linux options with defaults, no pf ones");
	free(text);

	if ((fp = open_memstream(&text, &len)) == NULL)
		abort();
	config_usage(fp, "mxallowd", PF);
	fclose(fp);
	CHECK(has_text(text, "usage: mxallowd [options] -f address -r "
	    "address\n") && has_text(text, "-p, --pflog-interface interface") &&
	    has_text(text, "(default: mx-white)") &&
	    !has_text(text, "--queue-num"),
	    "pf usage lists the pf options, not --queue-num");
	free(text);
}

static void
remove_tmpdir(void)
{
	DIR *dir;
	struct dirent *de;
	char path[PATH_MAX];

	if ((dir = opendir(tmpdir)) == NULL)
		return;
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..")
		    == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
		unlink(path);
	}
	closedir(dir);
	rmdir(tmpdir);
}

/*
 * config_load_stream(): the file comes as an open stream (the pf port's
 * privileged process opens it for the confined engine), with the same
 * result as config_load() on the path, and the path in its errors.
 */
static void
test_load_stream(void)
{
	static const char text[] =
	    "fake-mailserver 192.0.2.10\n"
	    "real-mailserver 192.0.2.20\n"
	    "whitelist-time 120\n"
	    "table other-white\n";
	struct mx_config cmd, out;
	FILE *fp;
	int rc;

	fresh(&cmd);
	CHECK(parse_args(&cmd, PF, ARGV("-c", "/etc/elsewhere.conf", "-t",
	    "30")) == CONFIG_ARGS_OK, "command line for the stream tests");
	fp = fmemopen((void *)text, sizeof(text) - 1, "r");
	memset(&out, 0xa5, sizeof(out));
	rc = config_load_stream(&out, &cmd, fp, PF, err, sizeof(err));
	fclose(fp);
	CHECK(rc == 0 && out.fake.count == 1 &&
	    is_addr(&out.fake.addrs[0], "192.0.2.10") &&
	    str_is(out.table, "other-white"),
	    "config_load_stream reads the stream's keys (%s)", err);
	CHECK(rc == 0 && out.whitelist_time == 30,
	    "and the command line overrides them, as with config_load");
	if (rc == 0)
		config_free(&out);

	memset(&out, 0xa5, sizeof(out));
	rc = config_load_stream(&out, &cmd, NULL, PF, err, sizeof(err));
	CHECK(rc == -1 && strcmp(err, "no fake-mailserver given (-f)") == 0,
	    "no stream: no file, and the checks still apply (%s)", err);

	fp = fmemopen((void *)"fake-mailserver 192.0.2.10\nbogus 1\n", 35,
	    "r");
	memset(&out, 0xa5, sizeof(out));
	rc = config_load_stream(&out, &cmd, fp, PF, err, sizeof(err));
	fclose(fp);
	CHECK(rc == -1 && strcmp(err,
	    "/etc/elsewhere.conf:2: unknown option 'bogus'") == 0,
	    "a broken stream is reported with the file's path and line (%s)",
	    err);
	config_free(&cmd);
}

/* fake-answer and its limits (issue 17). */
static void
test_fake_answer(void)
{
	struct mx_config cfg;

	config_init(&cfg);
	CHECK(config_fake_answer(&cfg) == FAKE_ANSWER_RST &&
	    cfg.fake_answer_connections == 256 &&
	    cfg.fake_answer_per_source == 4 && cfg.fake_answer_timeout == 10,
	    "fake-answer: rst by default, limits 256, 4, 10 s");
	config_free(&cfg);
	CHECK(parse_text(&cfg, MX_PORT_LINUX, "fake-answer 421\n") == 0 &&
	    config_fake_answer(&cfg) == FAKE_ANSWER_421,
	    "fake-answer 421 in the file");
	config_free(&cfg);
	CHECK(parse_text(&cfg, MX_PORT_PF, "fake-answer=450\n"
	    "fake-answer-connections 4096\nfake-answer-per-source 1\n"
	    "fake-answer-timeout 300\n") == 0 &&
	    config_fake_answer(&cfg) == FAKE_ANSWER_450 &&
	    cfg.fake_answer_connections == 4096 &&
	    cfg.fake_answer_per_source == 1 && cfg.fake_answer_timeout == 300,
	    "fake-answer 450 and its limits on the pf port");
	config_free(&cfg);
	CHECK(parse_text(&cfg, MX_PORT_LINUX, "fake-answer rst\n") == 0 &&
	    config_fake_answer(&cfg) == FAKE_ANSWER_RST,
	    "fake-answer rst");
	config_free(&cfg);
	CHECK(file_fail(MX_PORT_LINUX, "\nfake-answer 452\n", 2,
	    "fake-answer: '452' is not rst, 421 or 450"),
	    "fake-answer refuses another code, with file:line");
	CHECK(file_fail(MX_PORT_LINUX, "fake-answer RST\n", 1,
	    "fake-answer: 'RST' is not rst, 421 or 450"),
	    "fake-answer is case-sensitive, as the other words are");
	CHECK(file_fail(MX_PORT_LINUX, "fake-answer-timeout 0\n", 1,
	    "fake-answer-timeout: '0' is not a whole number from 1 to 300"),
	    "fake-answer-timeout: at least a second");
	CHECK(file_fail(MX_PORT_LINUX, "fake-answer-connections 4097\n", 1,
	    "fake-answer-connections: '4097' is not a whole number from 1 "
	    "to 4096"), "fake-answer-connections: at most 4096");
	CHECK(args_fail(MX_PORT_LINUX, (const char *[]){ "--fake-answer",
	    "550", NULL }, "--fake-answer: '550' is not rst, 421 or 450"),
	    "--fake-answer checks its value");
}

#define ALLOW_TEXT	"# partners\n\n  192.0.2.7  \n198.51.100.0/24 # a pool\n" \
			"mx.example.org\n"

/* allow, allow-file, observe (issue 14). */
static void
test_allow_options(void)
{
	struct mx_config cfg;
	char want[PATH_MAX + 200];
	const char *allowf, *conf;
	char conf_text[PATH_MAX + 200];

	CHECK(parse_text(&cfg, MX_PORT_LINUX, "allow 192.0.2.5\n"
	    "allow 203.0.113.0/24\nallow = mail.example.net\n"
	    "allow 2001:db8:9::/48\nobserve yes\n") == 0 &&
	    cfg.nallow == 4 && cfg.nallow_given == 4 &&
	    str_is(cfg.allow[0], "192.0.2.5") &&
	    str_is(cfg.allow[2], "mail.example.net") && cfg.observe,
	    "allow accumulates in the file; observe yes");
	config_free(&cfg);
	CHECK(file_fail(MX_PORT_LINUX, "\nallow\n", 2,
	    "allow: needs a value (address[/prefix]|name)"),
	    "allow without a value: file:line");
	CHECK(file_fail(MX_PORT_LINUX, "allow 192.0.2.300\n", 1,
	    "allow: '192.0.2.300' is not an address, ADDRESS/PREFIX or host "
	    "name"), "allow with a bad address: file:line");
	CHECK(file_fail(MX_PORT_PF, "allow 192.0.2.0/33\n", 1,
	    "allow: '192.0.2.0/33': the prefix must be from 8 to 32"),
	    "allow with a bad IPv4 prefix: file:line");
	CHECK(file_fail(MX_PORT_LINUX, "allow 2001:db8::/8\n", 1,
	    "allow: '2001:db8::/8': the prefix must be from 16 to 128"),
	    "allow with a short IPv6 prefix: file:line");
	CHECK(file_fail(MX_PORT_LINUX, "allow bad_name!\n", 1,
	    "allow: 'bad_name!' is not an address, ADDRESS/PREFIX or host "
	    "name"), "allow with a bad name: file:line");
	CHECK(file_fail(MX_PORT_LINUX, "observe maybe\n", 1,
	    "observe: 'maybe' is not yes or no"), "observe needs yes or no");
	CHECK(args_fail(MX_PORT_LINUX, (const char *[]){ "--allow", "x y",
	    NULL }, "--allow: 'x y' is not an address, ADDRESS/PREFIX or "
	    "host name"), "--allow checks its value");
	CHECK(args_fail(MX_PORT_LINUX, (const char *[]){ "--allow", NULL },
	    "--allow: needs a value (address[/prefix]|name)"),
	    "--allow needs a value");

	/* The file: comments, blanks, file:line errors. */
	allowf = write_file("allow.list", ALLOW_TEXT, strlen(ALLOW_TEXT));
	snprintf(conf_text, sizeof(conf_text), "fake-mailserver 192.0.2.10\n"
	    "real-mailserver 192.0.2.20\nqueue-num 1\nallow 192.0.2.99\n"
	    "allow-file %s\n", allowf);
	conf = write_conf(conf_text);
	CHECK(load(&cfg, MX_PORT_LINUX, (const char *[]){ "-c", conf, NULL })
	    == 0 && cfg.nallow == 4 && cfg.nallow_given == 1 &&
	    str_is(cfg.allow[0], "192.0.2.99") &&
	    str_is(cfg.allow[1], "192.0.2.7") &&
	    str_is(cfg.allow[2], "198.51.100.0/24") &&
	    str_is(cfg.allow[3], "mx.example.org") && !cfg.observe,
	    "allow-file: its entries follow the allow lines; comments and "
	    "blanks skipped");
	config_free(&cfg);
	CHECK(load(&cfg, MX_PORT_LINUX, (const char *[]){ "-c", conf,
	    "--allow", "203.0.113.1", "--observe", NULL }) == 0 &&
	    cfg.nallow == 4 && str_is(cfg.allow[0], "203.0.113.1") &&
	    str_is(cfg.allow[1], "192.0.2.7") && cfg.observe,
	    "--allow replaces the file's allow lines, not the allow-file's");
	config_free(&cfg);
	write_file("allow.list", "192.0.2.7\n# x\n192.0.2.0/40\n", 27);
	snprintf(want, sizeof(want), "%s:3: '192.0.2.0/40': the prefix must "
	    "be from 8 to 32", allowf);
	CHECK(load_fail(MX_PORT_LINUX, (const char *[]){ "-c", conf, NULL },
	    want), "allow-file: a bad entry fails the load with file:line");
	write_file("allow.list", "192.0.2.7\nnot a name\n", 21);
	snprintf(want, sizeof(want), "%s:2: 'not a name' is not an address, "
	    "ADDRESS/PREFIX or host name", allowf);
	CHECK(load_fail(MX_PORT_LINUX, (const char *[]){ "-c", conf, NULL },
	    want), "allow-file: two words on a line fail with file:line");
	write_file("allow.list", "192.0.2.7\n\0x\n", 13);
	snprintf(want, sizeof(want), "%s:2: line contains a NUL byte",
	    allowf);
	CHECK(load_fail(MX_PORT_LINUX, (const char *[]){ "-c", conf, NULL },
	    want), "allow-file: a NUL byte fails with file:line");
	unlink(allowf);
	snprintf(want, sizeof(want), "%s: No such file or directory", allowf);
	CHECK(load_fail(MX_PORT_LINUX, (const char *[]){ "-c", conf, NULL },
	    want), "allow-file: a missing file fails the load");
	CHECK(load(&cfg, MX_PORT_LINUX, (const char *[]){ "-c", conf,
	    "--allow-file", tmpdir, NULL }) == -1 && strncmp(err, tmpdir,
	    strlen(tmpdir)) == 0 && strstr(err, "directory") != NULL,
	    "allow-file: a directory fails the load");
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_table();
	test_every_option();
	test_args_values();
	test_args_flags();
	test_args_pf();
	test_args_again();
	test_rdns_options();
	test_args_errors();
	test_file_values();
	test_file_bools();
	test_file_errors();
	test_load_override();
	test_load_defaults();
	test_load_errors();
	test_load_stream();
	test_validate();
	test_default_path();
	test_usage();
	test_allow_options();
	test_fake_answer();
	remove_tmpdir();
	CHECK(access(tmpdir, F_OK) == -1, "the temporary directory is gone");
	return T_DONE();
}
