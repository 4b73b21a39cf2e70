/*
 * Command line and config file parsing.
 *
 * Both go through config_set(), so an option means the same thing in
 * either place and is checked the same way.  The command line is parsed
 * here rather than with getopt_long(3) because the parser must run again
 * on SIGHUP and in the tests, and resetting getopt is not portable.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "allow.h"
#include "config.h"
#include "resolver.h"
#include "sync_event.h"
#include "version.h"
#include "log.h"

#define WHITELIST_TIME_MAX	(366LL * 24 * 3600)
#define MAX_ENTRIES_MAX		(1LL << 30)

const struct mx_option mx_options[OPT_COUNT] = {
	{ OPT_FAKE_MAILSERVER, "fake-mailserver", 'f', OPT_TYPE_ADDR,
	  MX_PORT_ALL, false, "address", NULL, 0, 0,
	  "fake MX address (repeatable; at least one)" },
	{ OPT_REAL_MAILSERVER, "real-mailserver", 'r', OPT_TYPE_ADDR,
	  MX_PORT_ALL, false, "address", NULL, 0, 0,
	  "real MX address (repeatable; at least one)" },
	{ OPT_WHITELIST_TIME, "whitelist-time", 't', OPT_TYPE_NUMBER,
	  MX_PORT_ALL, false, "seconds", "3600", 1, WHITELIST_TIME_MAX,
	  "how long a sender stays whitelisted after its last use" },
	{ OPT_QUEUE_NUM, "queue-num", 'n', OPT_TYPE_NUMBER,
	  MX_PORT_LINUX | MX_BACKEND_NFQUEUE, false, "number", NULL, 0, 65535,
	  "NFQUEUE number to read (required with backend nfqueue)" },
	{ OPT_PFLOG_INTERFACE, "pflog-interface", 'p', OPT_TYPE_STRING,
	  MX_PORT_PF, false, "interface", "pflog0", 0, 0,
	  "pflog interface to capture from" },
	{ OPT_PCAP_FILTER, "pcap-filter", 'l', OPT_TYPE_STRING,
	  MX_PORT_PF, false, "filter", "port 25", 0, 0,
	  "pcap filter expression for the capture" },
	{ OPT_CONFIG, "config", 'c', OPT_TYPE_STRING,
	  MX_PORT_ALL, true, "file", CONFIG_DEFAULT_FILE, 0, 0,
	  "configuration file" },
	{ OPT_STDOUT, "stdout", 's', OPT_TYPE_FLAG,
	  MX_PORT_ALL, false, NULL, NULL, 0, 0,
	  "log to standard output instead of syslog" },
	{ OPT_QUIET, "quiet", 'q', OPT_TYPE_FLAG,
	  MX_PORT_ALL, false, NULL, NULL, 0, 0,
	  "log only warnings and statistics" },
	{ OPT_DEBUG, "debug", 'd', OPT_TYPE_FLAG,
	  MX_PORT_ALL, false, NULL, NULL, 0, 0,
	  "log every decision" },
	{ OPT_FOREGROUND, "foreground", 'F', OPT_TYPE_FLAG,
	  MX_PORT_ALL, false, NULL, NULL, 0, 0,
	  "stay in the foreground (no pidfile unless one is set)" },
	{ OPT_NO_RDNS_WHITELIST, "no-rdns-whitelist", 'b', OPT_TYPE_FLAG,
	  MX_PORT_ALL, false, NULL, NULL, 0, 0,
	  "do not whitelist the other addresses of a sender's name" },
	{ OPT_MAX_ENTRIES, "max-entries", 0, OPT_TYPE_NUMBER,
	  MX_PORT_ALL, false, "number", "100000", 1, MAX_ENTRIES_MAX,
	  "most whitelist entries; when full, the next to expire goes" },
	{ OPT_PIDFILE, "pidfile", 0, OPT_TYPE_STRING,
	  MX_PORT_ALL, false, "file", "/var/run/mxallowd.pid", 0, 0,
	  "where to write the process id" },
	{ OPT_TABLE, "table", 0, OPT_TYPE_STRING,
	  MX_PORT_PF, false, "name", "mx-white", 0, 0,
	  "pf table that holds the whitelisted senders" },
	{ OPT_USER, "user", 0, OPT_TYPE_STRING,
	  MX_PORT_ALL, false, "name", "mxallowd", 0, 0,
	  "unprivileged user to run as after start-up" },
	{ OPT_STATE_FILE, "state-file", 0, OPT_TYPE_STRING,
	  MX_PORT_ALL, false, "file", "/var/lib/mxallowd/state", 0, 0,
	  "where the whitelist survives restarts (none: nowhere)" },
	{ OPT_STATE_INTERVAL, "state-interval", 0, OPT_TYPE_NUMBER,
	  MX_PORT_ALL, false, "seconds", "300", 1, 86400,
	  "how often the state file is written while running" },
	{ OPT_CHROOT, "chroot", 0, OPT_TYPE_STRING,
	  MX_PORT_LINUX, false, "directory", NULL, 0, 0,
	  "chroot to this directory after start-up" },
	{ OPT_REPLAY, "replay", 'R', OPT_TYPE_STRING,
	  MX_PORT_ALL, true, "file", NULL, 0, 0,
	  "replay a pcap savefile offline, print the decisions, and exit" },
	{ OPT_RDNS_FORWARD_CONFIRM, "rdns-require-forward-confirm", 0,
	  OPT_TYPE_BOOL, MX_PORT_ALL, false, "yes|no", "yes", 0, 0,
	  "whitelist a name's addresses only if the sender is among them" },
	{ OPT_RDNS_MAX_ADDRESSES, "rdns-max-addresses", 0, OPT_TYPE_NUMBER,
	  MX_PORT_ALL, false, "number", "32", 1, RESOLVER_ADDRS_MAX,
	  "most addresses whitelisted from one sender's name" },
	{ OPT_DNS_THREADS, "dns-threads", 0, OPT_TYPE_NUMBER,
	  MX_PORT_ALL, false, "number", "4", 1, 64,
	  "resolver threads for reverse-DNS whitelisting" },
	{ OPT_DNS_QUEUE, "dns-queue", 0, OPT_TYPE_NUMBER,
	  MX_PORT_ALL, false, "number", "4096", 1, 1048576,
	  "most lookups waiting; when full, a lookup is skipped" },
	{ OPT_DNS_CACHE_SIZE, "dns-cache-size", 0, OPT_TYPE_NUMBER,
	  MX_PORT_ALL, false, "number", "16384", 1, 16777216,
	  "most senders whose lookup result is remembered" },
	{ OPT_DNS_CACHE_TIME, "dns-cache-time", 0, OPT_TYPE_NUMBER,
	  MX_PORT_ALL, false, "seconds", "600", 0, 86400,
	  "how long a lookup result, found or failed, is remembered" },
	{ OPT_WHITELIST_PREFIX4, "whitelist-prefix4", 0, OPT_TYPE_NUMBER,
	  MX_PORT_ALL, false, "bits", "32", 8, 32,
	  "whitelist the sender's IPv4 network of this length" },
	{ OPT_WHITELIST_PREFIX6, "whitelist-prefix6", 0, OPT_TYPE_NUMBER,
	  MX_PORT_ALL, false, "bits", "128", 16, 128,
	  "whitelist the sender's IPv6 network of this length" },
	{ OPT_CONTROL_SOCKET, "control-socket", 0, OPT_TYPE_STRING,
	  MX_PORT_ALL, false, "file", "/var/run/mxallowd.sock", 0, 0,
	  "the control socket for mxallowctl (none: no socket)" },
	{ OPT_CONTROL_GROUP, "control-group", 0, OPT_TYPE_STRING,
	  MX_PORT_ALL, false, "group", NULL, 0, 0,
	  "group that may use the control socket (unset: the user's)" },
	{ OPT_SUSPECT_HITS, "suspect-hits", 0, OPT_TYPE_NUMBER,
	  MX_PORT_ALL, false, "number", "3", 1, 1000000,
	  "fake-MX hits without a real-MX pass that make a suspect" },
	{ OPT_METRICS_FILE, "metrics-file", 0, OPT_TYPE_STRING,
	  MX_PORT_ALL, false, "file", "none", 0, 0,
	  "Prometheus metrics for node_exporter's textfile collector" },
	{ OPT_ALLOW, "allow", 0, OPT_TYPE_LIST,
	  MX_PORT_ALL, false, "address[/prefix]|name", NULL, 0, 0,
	  "always let this sender pass the real MX (repeatable)" },
	{ OPT_ALLOW_FILE, "allow-file", 0, OPT_TYPE_STRING,
	  MX_PORT_ALL, false, "file", NULL, 0, 0,
	  "file of allow entries, one per line" },
	{ OPT_OBSERVE, "observe", 0, OPT_TYPE_FLAG,
	  MX_PORT_ALL, false, NULL, NULL, 0, 0,
	  "let every SYN through; log and count what would be blocked" },
	{ OPT_BACKEND, "backend", 0, OPT_TYPE_STRING,
	  MX_PORT_LINUX, false, "nfqueue|nftables", "nfqueue", 0, 0,
	  "who decides each SYN: mxallowd (NFQUEUE) or an nftables set" },
	{ OPT_NFT_TABLE, "nft-table", 0, OPT_TYPE_STRING,
	  MX_PORT_LINUX | MX_BACKEND_NFTABLES, false, "name", "mxallowd", 0, 0,
	  "nftables table (family inet) that mxallowd creates and feeds" },
	{ OPT_NFLOG_GROUP, "nflog-group", 0, OPT_TYPE_NUMBER,
	  MX_PORT_LINUX | MX_BACKEND_NFTABLES, false, "number", "25", 0, 65535,
	  "NFLOG group the nftables rules log fake-MX hits and drops to" },
	{ OPT_PRINT_RULESET, "print-ruleset", 0, OPT_TYPE_FLAG,
	  MX_PORT_LINUX | MX_BACKEND_NFTABLES, true, NULL, NULL, 0, 0,
	  "print the nftables ruleset these options make, and exit" },
	{ OPT_REMOVE_TABLE, "remove-table", 0, OPT_TYPE_FLAG,
	  MX_PORT_LINUX | MX_BACKEND_NFTABLES, true, NULL, NULL, 0, 0,
	  "remove the nftables table (and its whitelist), and exit" },
	{ OPT_SYNC, "sync", 0, OPT_TYPE_STRING,
	  MX_PORT_ALL, false, "url", "none", 0, 0,
	  "share the whitelist through this Redis or Valkey server" },
	{ OPT_SYNC_CHANNEL, "sync-channel", 0, OPT_TYPE_STRING,
	  MX_PORT_ALL, false, "name", "mxallowd", 0, 0,
	  "the channel, and the prefix of the keys, of the shared whitelist" },
	{ OPT_SYNC_NAME, "sync-name", 0, OPT_TYPE_STRING,
	  MX_PORT_ALL, false, "name", NULL, 0, 0,
	  "this gate's name among those sharing (unset: the host name)" },
	{ OPT_FAKE_ANSWER, "fake-answer", 0, OPT_TYPE_STRING,
	  MX_PORT_ALL, false, "rst|421|450", "rst", 0, 0,
	  "what a fake MX does: refuse (rst) or answer SMTP itself" },
	{ OPT_FAKE_ANSWER_CONNECTIONS, "fake-answer-connections", 0,
	  OPT_TYPE_NUMBER, MX_PORT_ALL, false, "number", "256", 1, 4096,
	  "most connections the answering fake MX holds at once" },
	{ OPT_FAKE_ANSWER_PER_SOURCE, "fake-answer-per-source", 0,
	  OPT_TYPE_NUMBER, MX_PORT_ALL, false, "number", "4", 1, 4096,
	  "most connections it holds from one source address" },
	{ OPT_FAKE_ANSWER_TIMEOUT, "fake-answer-timeout", 0, OPT_TYPE_NUMBER,
	  MX_PORT_ALL, false, "seconds", "10", 1, 300,
	  "longest a connection to the answering fake MX may last" },
	{ OPT_HELP, "help", 'h', OPT_TYPE_FLAG,
	  MX_PORT_ALL, true, NULL, NULL, 0, 0,
	  "show this help and exit" },
	{ OPT_VERSION, "version", 'V', OPT_TYPE_FLAG,
	  MX_PORT_ALL, true, NULL, NULL, 0, 0,
	  "show the version and exit" },
};

static int
replace_string(char **slot, const char *value)
{
	char *copy;

	if ((copy = strdup(value)) == NULL)
		return -1;
	free(*slot);
	*slot = copy;
	return 0;
}

void
config_init(struct mx_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->whitelist_time = 3600;
	cfg->queue_num = -1;
	cfg->max_entries = 100000;
	cfg->state_interval = 300;
	cfg->rdns_forward_confirm = true;
	cfg->rdns_max_addresses = 32;
	cfg->dns_threads = 4;
	cfg->dns_queue = 4096;
	cfg->dns_cache_size = 16384;
	cfg->dns_cache_time = 600;
	cfg->whitelist_prefix4 = 32;
	cfg->whitelist_prefix6 = 128;
	cfg->suspect_hits = 3;
	cfg->nflog_group = 25;
	cfg->fake_answer_connections = 256;
	cfg->fake_answer_per_source = 4;
	cfg->fake_answer_timeout = 10;
}

static void
free_list(char **list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static int
list_add(char ***list, size_t *n, const char *value)
{
	char **l, *copy;

	if ((copy = strdup(value)) == NULL)
		return -1;
	if ((l = reallocarray(*list, *n + 1, sizeof(*l))) == NULL) {
		free(copy);
		return -1;
	}
	l[(*n)++] = copy;
	*list = l;
	return 0;
}

void
config_free(struct mx_config *cfg)
{
	addrlist_free(&cfg->fake);
	addrlist_free(&cfg->real);
	free(cfg->pflog_interface);
	free(cfg->pcap_filter);
	free(cfg->pidfile);
	free(cfg->config_file);
	free(cfg->table);
	free(cfg->user);
	free(cfg->state_file);
	free(cfg->chroot_dir);
	free(cfg->replay);
	free(cfg->control_socket);
	free(cfg->control_group);
	free(cfg->metrics_file);
	free_list(cfg->allow, cfg->nallow);
	free(cfg->allow_file);
	free(cfg->backend);
	free(cfg->nft_table);
	free(cfg->sync_url);
	free(cfg->sync_channel);
	free(cfg->sync_name);
	free(cfg->fake_answer);
	memset(cfg, 0, sizeof(*cfg));
}

/*
 * Where the BSDs' conventions differ from Linux's (the table above holds
 * the Linux defaults): the user's name and the state file's place.
 */
static const struct {
	enum mx_option_id	 id;
	const char		*value;
} pf_defaults[] = {
	{ OPT_USER,		"_mxallowd" },
	{ OPT_STATE_FILE,	"/var/db/mxallowd.state" },
};

/* fake-answer, checked when it was set; unset (a bare config) is rst. */
enum fake_answer
config_fake_answer(const struct mx_config *cfg)
{
	if (cfg->fake_answer == NULL)
		return FAKE_ANSWER_RST;
	if (strcmp(cfg->fake_answer, "421") == 0)
		return FAKE_ANSWER_421;
	if (strcmp(cfg->fake_answer, "450") == 0)
		return FAKE_ANSWER_450;
	return FAKE_ANSWER_RST;
}

/* An option's default on the given port. */
const char *
config_default(const struct mx_option *opt, unsigned port)
{
	size_t i;

	if (port == MX_PORT_PF)
		for (i = 0; i < sizeof(pf_defaults) / sizeof(pf_defaults[0]);
		    i++)
			if (pf_defaults[i].id == opt->id)
				return pf_defaults[i].value;
	return opt->default_value;
}

const struct mx_option *
config_option(const char *name)
{
	size_t i;

	for (i = 0; i < OPT_COUNT; i++)
		if (strcmp(mx_options[i].name, name) == 0)
			return &mx_options[i];
	return NULL;
}

static const struct mx_option *
option_by_short(int c)
{
	size_t i;

	for (i = 0; i < OPT_COUNT; i++)
		if (mx_options[i].short_name == c)
			return &mx_options[i];
	return NULL;
}

/* "yes"/"no" and friends, for flags given a value in the config file. */
static int
parse_bool(const char *value, bool *out)
{
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(value, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static int
parse_number(const struct mx_option *opt, const char *value, long long *out)
{
	char *end;
	long long n;

	if (!isdigit((unsigned char)value[0]))
		return -1;
	errno = 0;
	n = strtoll(value, &end, 10);
	if (errno != 0 || *end != '\0' || n < opt->min || n > opt->max)
		return -1;
	*out = n;
	return 0;
}

static bool *
flag_field(struct mx_config *cfg, enum mx_option_id id)
{
	switch (id) {
	case OPT_STDOUT:
		return &cfg->to_stdout;
	case OPT_QUIET:
		return &cfg->quiet;
	case OPT_DEBUG:
		return &cfg->debug;
	case OPT_FOREGROUND:
		return &cfg->foreground;
	case OPT_NO_RDNS_WHITELIST:
		return &cfg->no_rdns_whitelist;
	case OPT_RDNS_FORWARD_CONFIRM:
		return &cfg->rdns_forward_confirm;
	case OPT_OBSERVE:
		return &cfg->observe;
	case OPT_PRINT_RULESET:
		return &cfg->print_ruleset;
	case OPT_REMOVE_TABLE:
		return &cfg->remove_table;
	default:
		return NULL;
	}
}

static char **
string_field(struct mx_config *cfg, enum mx_option_id id)
{
	switch (id) {
	case OPT_PFLOG_INTERFACE:
		return &cfg->pflog_interface;
	case OPT_PCAP_FILTER:
		return &cfg->pcap_filter;
	case OPT_PIDFILE:
		return &cfg->pidfile;
	case OPT_CONFIG:
		return &cfg->config_file;
	case OPT_TABLE:
		return &cfg->table;
	case OPT_USER:
		return &cfg->user;
	case OPT_STATE_FILE:
		return &cfg->state_file;
	case OPT_CHROOT:
		return &cfg->chroot_dir;
	case OPT_REPLAY:
		return &cfg->replay;
	case OPT_CONTROL_SOCKET:
		return &cfg->control_socket;
	case OPT_CONTROL_GROUP:
		return &cfg->control_group;
	case OPT_METRICS_FILE:
		return &cfg->metrics_file;
	case OPT_ALLOW_FILE:
		return &cfg->allow_file;
	case OPT_BACKEND:
		return &cfg->backend;
	case OPT_NFT_TABLE:
		return &cfg->nft_table;
	case OPT_SYNC:
		return &cfg->sync_url;
	case OPT_SYNC_CHANNEL:
		return &cfg->sync_channel;
	case OPT_SYNC_NAME:
		return &cfg->sync_name;
	case OPT_FAKE_ANSWER:
		return &cfg->fake_answer;
	default:
		return NULL;
	}
}

static long long *
number_field(struct mx_config *cfg, enum mx_option_id id)
{
	switch (id) {
	case OPT_WHITELIST_TIME:
		return &cfg->whitelist_time;
	case OPT_QUEUE_NUM:
		return &cfg->queue_num;
	case OPT_MAX_ENTRIES:
		return &cfg->max_entries;
	case OPT_STATE_INTERVAL:
		return &cfg->state_interval;
	case OPT_RDNS_MAX_ADDRESSES:
		return &cfg->rdns_max_addresses;
	case OPT_DNS_THREADS:
		return &cfg->dns_threads;
	case OPT_DNS_QUEUE:
		return &cfg->dns_queue;
	case OPT_DNS_CACHE_SIZE:
		return &cfg->dns_cache_size;
	case OPT_DNS_CACHE_TIME:
		return &cfg->dns_cache_time;
	case OPT_WHITELIST_PREFIX4:
		return &cfg->whitelist_prefix4;
	case OPT_WHITELIST_PREFIX6:
		return &cfg->whitelist_prefix6;
	case OPT_SUSPECT_HITS:
		return &cfg->suspect_hits;
	case OPT_NFLOG_GROUP:
		return &cfg->nflog_group;
	case OPT_FAKE_ANSWER_CONNECTIONS:
		return &cfg->fake_answer_connections;
	case OPT_FAKE_ANSWER_PER_SOURCE:
		return &cfg->fake_answer_per_source;
	case OPT_FAKE_ANSWER_TIMEOUT:
		return &cfg->fake_answer_timeout;
	default:
		return NULL;
	}
}

/* The strings that have a form of their own. */
static int
check_string(enum mx_option_id id, const char *value, char *err,
    size_t errlen)
{
	struct sync_url url;

	switch (id) {
	case OPT_SYNC:
		if (strcmp(value, "none") == 0)
			return 0;
		return sync_url_parse(value, &url, err, errlen);
	case OPT_SYNC_CHANNEL:
	case OPT_SYNC_NAME:
		if (!sync_name_valid(value)) {
			seterr(err, errlen, "'%s': 1 to %d letters, digits "
			    "and - . _ :", value, SYNC_NAME_MAX);
			return -1;
		}
		return 0;
	case OPT_FAKE_ANSWER:
		if (strcmp(value, "rst") != 0 && strcmp(value, "421") != 0 &&
		    strcmp(value, "450") != 0) {
			seterr(err, errlen, "'%s' is not rst, 421 or 450",
			    value);
			return -1;
		}
		return 0;
	default:
		return 0;
	}
}

/*
 * Apply one option.  value is NULL for a flag given without one.  On
 * error, err holds a message without the file or option prefix.
 */
static int
config_set(struct mx_config *cfg, const struct mx_option *opt,
    const char *value, unsigned port, char *err, size_t errlen)
{
	struct mx_addr addr;
	unsigned bits;
	bool on = true;

	if ((opt->ports & port) == 0) {
		seterr(err, errlen, "applies only to the %s port",
		    port == MX_PORT_LINUX ? "pf (BSD)" : "Linux (NFQUEUE)");
		return -1;
	}
	if (opt->type != OPT_TYPE_FLAG && (value == NULL || *value == '\0')) {
		seterr(err, errlen, "needs a value (%s)", opt->arg_name);
		return -1;
	}
	switch (opt->type) {
	case OPT_TYPE_ADDR:
		if (!addr_parse(value, &addr)) {
			seterr(err, errlen, "'%s' is not an IPv4 or IPv6 "
			    "address", value);
			return -1;
		}
		if (addrlist_add(opt->id == OPT_FAKE_MAILSERVER ?
		    &cfg->fake : &cfg->real, &addr) == -1)
			goto nomem;
		break;
	case OPT_TYPE_LIST:
		if (allow_parse(value, &addr, &bits, err, errlen) == ALLOW_BAD)
			return -1;
		if (list_add(&cfg->allow, &cfg->nallow, value) == -1)
			goto nomem;
		cfg->nallow_given = cfg->nallow;
		break;
	case OPT_TYPE_NUMBER:
		if (parse_number(opt, value, number_field(cfg, opt->id))
		    == -1) {
			seterr(err, errlen, "'%s' is not a whole number from "
			    "%lld to %lld", value, opt->min, opt->max);
			return -1;
		}
		break;
	case OPT_TYPE_STRING:
		if (check_string(opt->id, value, err, errlen) == -1)
			return -1;
		if (replace_string(string_field(cfg, opt->id), value) == -1)
			goto nomem;
		break;
	case OPT_TYPE_BOOL:
	case OPT_TYPE_FLAG:
		if (value != NULL && parse_bool(value, &on) == -1) {
			seterr(err, errlen, "'%s' is not yes or no", value);
			return -1;
		}
		if (flag_field(cfg, opt->id) != NULL)
			*flag_field(cfg, opt->id) = on;
		break;
	}
	cfg->given |= 1ULL << opt->id;
	return 0;
nomem:
	seterr(err, errlen, "out of memory");
	return -1;
}

static enum config_args_result
apply_arg(struct mx_config *cfg, const struct mx_option *opt,
    const char *value, unsigned port, char *err, size_t errlen)
{
	char msg[256];

	if (config_set(cfg, opt, value, port, msg, sizeof(msg)) == -1) {
		if (opt->short_name != 0)
			seterr(err, errlen, "-%c/--%s: %s", opt->short_name,
			    opt->name, msg);
		else
			seterr(err, errlen, "--%s: %s", opt->name, msg);
		return CONFIG_ARGS_ERROR;
	}
	if (opt->id == OPT_HELP)
		return CONFIG_ARGS_HELP;
	if (opt->id == OPT_VERSION)
		return CONFIG_ARGS_VERSION;
	return CONFIG_ARGS_OK;
}

static enum config_args_result
parse_long(struct mx_config *cfg, const char *arg, char **next,
    bool *used_next, unsigned port, char *err, size_t errlen)
{
	const struct mx_option *opt;
	const char *eq = strchr(arg, '=');
	char name[64];
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);

	if (len >= sizeof(name) || (memcpy(name, arg, len), name[len] = '\0',
	    (opt = config_option(name)) == NULL)) {
		seterr(err, errlen, "unknown option --%.*s", (int)len, arg);
		return CONFIG_ARGS_ERROR;
	}
	if (opt->type == OPT_TYPE_FLAG) {
		if (eq != NULL) {
			seterr(err, errlen, "--%s takes no value", opt->name);
			return CONFIG_ARGS_ERROR;
		}
		return apply_arg(cfg, opt, NULL, port, err, errlen);
	}
	if (eq != NULL)
		return apply_arg(cfg, opt, eq + 1, port, err, errlen);
	*used_next = true;
	return apply_arg(cfg, opt, *next, port, err, errlen);
}

static enum config_args_result
parse_short(struct mx_config *cfg, const char *arg, char **next,
    bool *used_next, unsigned port, char *err, size_t errlen)
{
	const struct mx_option *opt;
	enum config_args_result res;

	for (; *arg != '\0'; arg++) {
		if ((opt = option_by_short(*arg)) == NULL) {
			seterr(err, errlen, "unknown option -%c", *arg);
			return CONFIG_ARGS_ERROR;
		}
		if (opt->type != OPT_TYPE_FLAG) {
			/* -t60 or -t 60: the value ends the group. */
			if (arg[1] != '\0')
				return apply_arg(cfg, opt, arg + 1, port, err,
				    errlen);
			*used_next = true;
			return apply_arg(cfg, opt, *next, port, err, errlen);
		}
		res = apply_arg(cfg, opt, NULL, port, err, errlen);
		if (res != CONFIG_ARGS_OK)
			return res;
	}
	return CONFIG_ARGS_OK;
}

enum config_args_result
config_parse_args(struct mx_config *cfg, int argc, char **argv,
    unsigned port, char *err, size_t errlen)
{
	enum config_args_result res;
	bool used_next;
	int i;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		used_next = false;
		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		}
		if (arg[0] != '-' || arg[1] == '\0')
			break;
		if (arg[1] == '-')
			res = parse_long(cfg, arg + 2, &argv[i + 1],
			    &used_next, port, err, errlen);
		else
			res = parse_short(cfg, arg + 1, &argv[i + 1],
			    &used_next, port, err, errlen);
		if (res != CONFIG_ARGS_OK)
			return res;
		if (used_next)
			i++;
	}
	if (i < argc) {
		seterr(err, errlen, "unexpected argument '%s'", argv[i]);
		return CONFIG_ARGS_ERROR;
	}
	return CONFIG_ARGS_OK;
}

/* Split "key value" (or "key=value"); trims blanks; strips comments. */
static void
split_line(char *line, char **key, char **value)
{
	char *p, *end;

	if ((p = strchr(line, '#')) != NULL)
		*p = '\0';
	while (isspace((unsigned char)*line))
		line++;
	end = line + strlen(line);
	while (end > line && isspace((unsigned char)end[-1]))
		*--end = '\0';
	*key = line;
	for (p = line; *p != '\0' && *p != '=' &&
	    !isspace((unsigned char)*p); p++)
		;
	*value = NULL;
	if (*p == '\0')
		return;
	*p++ = '\0';
	while (isspace((unsigned char)*p) || *p == '=')
		p++;
	if (*p != '\0')
		*value = p;
}

static int
parse_line(struct mx_config *cfg, char *line, unsigned port, char *msg,
    size_t msglen)
{
	const struct mx_option *opt;
	char *key, *value, reason[256];

	split_line(line, &key, &value);
	/* Blank or comment; but "= value" lost its name and must not pass. */
	if (*key == '\0' && value == NULL)
		return 0;
	if (*key == '\0') {
		seterr(msg, msglen, "'%s' has no option name", value);
		return -1;
	}
	if ((opt = config_option(key)) == NULL) {
		seterr(msg, msglen, "unknown option '%s'", key);
		return -1;
	}
	if (opt->command_line_only) {
		seterr(msg, msglen, "%s can only be given on the command line",
		    key);
		return -1;
	}
	if (config_set(cfg, opt, value, port, reason, sizeof(reason)) == -1) {
		seterr(msg, msglen, "%s: %s", key, reason);
		return -1;
	}
	return 0;
}

/*
 * What read_lines() does with one line: 0, or -1 with msg set (reported
 * as "name:line: msg"), or -2 with msg set (reported as "name: msg").
 */
typedef int	line_fn(void *, char *, char *, size_t);

/*
 * Every line of fp through fn, naming them "name:line" in errors; a line
 * with a NUL byte is an error of its own.  Stops at the first error.
 */
static int
read_lines(FILE *fp, const char *name, line_fn *fn, void *arg, char *err,
    size_t errlen)
{
	char *line = NULL, msg[512];
	size_t cap = 0;
	ssize_t len;
	unsigned long lineno = 0;
	int rc = 0, r;

	while ((len = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if ((size_t)len != strlen(line)) {
			seterr(err, errlen, "%s:%lu: line contains a NUL byte",
			    name, lineno);
			rc = -1;
			break;
		}
		if ((r = fn(arg, line, msg, sizeof(msg))) != 0) {
			if (r == -2)
				seterr(err, errlen, "%s: %s", name, msg);
			else
				seterr(err, errlen, "%s:%lu: %s", name, lineno,
				    msg);
			rc = -1;
			break;
		}
	}
	if (rc == 0 && ferror(fp)) {
		seterr(err, errlen, "%s: %s", name, strerror(errno));
		rc = -1;
	}
	free(line);
	return rc;
}

struct config_lines {
	struct mx_config	*cfg;
	unsigned		 port;
};

static int
config_line(void *arg, char *line, char *msg, size_t msglen)
{
	struct config_lines *cl = arg;

	return parse_line(cl->cfg, line, cl->port, msg, msglen);
}

/*
 * Read config file lines from fp into cfg, naming them "name:line" in
 * errors.  Stops at the first error.
 */
int
config_parse_stream(struct mx_config *cfg, FILE *fp, const char *name,
    unsigned port, char *err, size_t errlen)
{
	struct config_lines cl = { cfg, port };

	return read_lines(fp, name, config_line, &cl, err, errlen);
}

/*
 * Read a config file into cfg.  A missing file is an error only when
 * must_exist (the file was named with -c).  Stops at the first error and
 * reports it as "file:line: message".
 */
int
config_parse_file(struct mx_config *cfg, const char *path, bool must_exist,
    unsigned port, char *err, size_t errlen)
{
	FILE *fp;
	int rc;

	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT && !must_exist)
			return 0;
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = config_parse_stream(cfg, fp, path, port, err, errlen);
	fclose(fp);
	return rc;
}

static int	finish_load(struct mx_config *, const struct mx_config *,
		    unsigned, config_allow_open_fn *, void *, char *, size_t);

/* Copy every option the command line gave over those of the file. */
static int
override(struct mx_config *dst, const struct mx_config *src)
{
	size_t i, j;
	char **s;

	for (i = 0; i < OPT_COUNT; i++) {
		enum mx_option_id id = mx_options[i].id;

		if ((src->given & (1ULL << id)) == 0)
			continue;
		switch (mx_options[i].type) {
		case OPT_TYPE_ADDR:
			/* A list on the command line replaces the file's. */
			if (id == OPT_FAKE_MAILSERVER) {
				addrlist_free(&dst->fake);
				if (addrlist_copy(&dst->fake, &src->fake) == -1)
					return -1;
			} else {
				addrlist_free(&dst->real);
				if (addrlist_copy(&dst->real, &src->real) == -1)
					return -1;
			}
			break;
		case OPT_TYPE_LIST:
			free_list(dst->allow, dst->nallow);
			dst->allow = NULL;
			dst->nallow = dst->nallow_given = 0;
			for (j = 0; j < src->nallow_given; j++)
				if (list_add(&dst->allow, &dst->nallow,
				    src->allow[j]) == -1)
					return -1;
			dst->nallow_given = dst->nallow;
			break;
		case OPT_TYPE_NUMBER:
			*number_field(dst, id) =
			    *number_field((struct mx_config *)src, id);
			break;
		case OPT_TYPE_STRING:
			s = string_field((struct mx_config *)src, id);
			if (replace_string(string_field(dst, id), *s) == -1)
				return -1;
			break;
		case OPT_TYPE_BOOL:
		case OPT_TYPE_FLAG:
			if (flag_field(dst, id) != NULL)
				*flag_field(dst, id) =
				    *flag_field((struct mx_config *)src, id);
			break;
		}
		dst->given |= 1ULL << id;
	}
	return 0;
}

static int
fill_defaults(struct mx_config *cfg, unsigned port)
{
	const char *value;
	size_t i;
	char **s;

	for (i = 0; i < OPT_COUNT; i++) {
		value = config_default(&mx_options[i], port);
		if (mx_options[i].type != OPT_TYPE_STRING || value == NULL)
			continue;
		s = string_field(cfg, mx_options[i].id);
		if (*s == NULL && (*s = strdup(value)) == NULL)
			return -1;
	}
	return 0;
}

/* Backend nftables (else nfqueue, the default). */
bool
config_nftables(const struct mx_config *cfg)
{
	return cfg->backend != NULL && strcmp(cfg->backend, "nftables") == 0;
}

/*
 * An nftables name goes into the ruleset's text as it is: letters,
 * digits, '_' and '-', starting with a letter.
 */
static bool
nft_name_ok(const char *s)
{
	size_t i;

	if (!isalpha((unsigned char)s[0]) || strlen(s) > 64)
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/*
 * The backend's name, and no option of the other backend.  A replay
 * touches no firewall: there any backend's options may stand (the sample
 * configuration shows them all).
 */
static int
validate_backend(const struct mx_config *cfg, char *err, size_t errlen)
{
	unsigned mine;
	size_t i;

	if (cfg->backend != NULL && strcmp(cfg->backend, "nfqueue") != 0 &&
	    strcmp(cfg->backend, "nftables") != 0) {
		seterr(err, errlen, "backend: '%s' is not nfqueue or nftables",
		    cfg->backend);
		return -1;
	}
	if (cfg->nft_table != NULL && !nft_name_ok(cfg->nft_table)) {
		seterr(err, errlen, "nft-table: '%s' is not a name of 1 to 64 "
		    "letters, digits, '_' and '-', starting with a letter",
		    cfg->nft_table);
		return -1;
	}
	if (cfg->replay != NULL)
		return 0;
	mine = config_nftables(cfg) ? MX_BACKEND_NFTABLES : MX_BACKEND_NFQUEUE;
	for (i = 0; i < OPT_COUNT; i++) {
		const struct mx_option *o = &mx_options[i];

		if ((cfg->given & (1ULL << o->id)) == 0 ||
		    (o->ports & MX_BACKENDS) == 0 || (o->ports & mine) != 0)
			continue;
		seterr(err, errlen, "%s applies only to backend %s (backend is "
		    "%s)", o->name, (o->ports & MX_BACKEND_NFTABLES) ?
		    "nftables" : "nfqueue", config_nftables(cfg) ? "nftables" :
		    "nfqueue");
		return -1;
	}
	return 0;
}

int
config_validate(const struct mx_config *cfg, unsigned port, char *err,
    size_t errlen)
{
	size_t i;
	char buf[MX_ADDRSTRLEN];

	if (cfg->fake.count == 0) {
		seterr(err, errlen, "no fake-mailserver given (-f)");
		return -1;
	}
	if (cfg->real.count == 0) {
		seterr(err, errlen, "no real-mailserver given (-r)");
		return -1;
	}
	for (i = 0; i < cfg->fake.count; i++) {
		if (addrlist_contains(&cfg->real, &cfg->fake.addrs[i])) {
			seterr(err, errlen, "%s is both a fake and a real "
			    "mailserver", addr_format(&cfg->fake.addrs[i],
			    buf, sizeof(buf)));
			return -1;
		}
	}
	if ((port & MX_PORT_LINUX) && validate_backend(cfg, err, errlen) == -1)
		return -1;
	if ((port & MX_PORT_LINUX) && cfg->queue_num < 0 &&
	    cfg->replay == NULL && !config_nftables(cfg)) {
		seterr(err, errlen, "no queue-num given (-n): it must match "
		    "the --queue-num of the NFQUEUE firewall rule");
		return -1;
	}
	return 0;
}

/*
 * The configuration in force: the config file (the one named on the
 * command line, or the default one if it exists) with the command line's
 * options on top, checked for completeness.  Used at start and on SIGHUP.
 */
/* The configuration file the command line names, or the default. */
const char *
config_path(const struct mx_config *cmdline)
{
	return cmdline->config_file ? cmdline->config_file :
	    CONFIG_DEFAULT_FILE;
}

int
config_load(struct mx_config *out, const struct mx_config *cmdline,
    unsigned port, char *err, size_t errlen)
{
	const char *path = config_path(cmdline);

	config_init(out);
	if (config_parse_file(out, path, cmdline->config_file != NULL, port,
	    err, errlen) == -1)
		goto fail;
	return finish_load(out, cmdline, port, NULL, NULL, err, errlen);
fail:
	config_free(out);
	return -1;
}

/*
 * The same from a file opened by somebody else (the pf port's privileged
 * process opens it for the confined engine); fp NULL: there is no file.
 */
int
config_load_stream(struct mx_config *out, const struct mx_config *cmdline,
    FILE *fp, unsigned port, char *err, size_t errlen)
{
	return config_load_streams(out, cmdline, fp, port, NULL, NULL, err,
	    errlen);
}

/*
 * And the allow-file too, if the configuration names one: allow_open
 * (with arg) opens it instead of fopen(3), for a process that cannot
 * reach it by its name (the pf engine).  allow_open NULL: fopen(3).
 */
int
config_load_streams(struct mx_config *out, const struct mx_config *cmdline,
    FILE *fp, unsigned port, config_allow_open_fn *allow_open, void *arg,
    char *err, size_t errlen)
{
	config_init(out);
	if (fp != NULL && config_parse_stream(out, fp, config_path(cmdline),
	    port, err, errlen) == -1) {
		config_free(out);
		return -1;
	}
	return finish_load(out, cmdline, port, allow_open, arg, err, errlen);
}

/* One allow-file line: '#' starts a comment, blanks around are ignored. */
static int
allow_line(void *arg, char *line, char *msg, size_t msglen)
{
	struct mx_config *cfg = arg;
	struct mx_addr addr;
	unsigned bits;
	char *p, *end;

	if ((p = strchr(line, '#')) != NULL)
		*p = '\0';
	for (p = line; isspace((unsigned char)*p); p++)
		;
	end = p + strlen(p);
	while (end > p && isspace((unsigned char)end[-1]))
		*--end = '\0';
	if (*p == '\0')
		return 0;
	if (allow_parse(p, &addr, &bits, msg, msglen) == ALLOW_BAD)
		return -1;
	if (list_add(&cfg->allow, &cfg->nallow, p) == -1) {
		seterr(msg, msglen, "out of memory");
		return -2;
	}
	return 0;
}

/*
 * The allow-file's entries, after the allow lines: one per line, '#'
 * comments, errors as "file:line: message".
 */
int
config_read_allow(struct mx_config *cfg, FILE *fp, const char *name,
    char *err, size_t errlen)
{
	return read_lines(fp, name, allow_line, cfg, err, errlen);
}

static int
load_allow_file(struct mx_config *cfg, config_allow_open_fn *allow_open,
    void *arg, char *err, size_t errlen)
{
	FILE *fp;
	int rc;

	if (cfg->allow_file == NULL)
		return 0;
	if (allow_open != NULL) {
		err[0] = '\0';
		if ((fp = allow_open(arg, cfg->allow_file, err, errlen)) ==
		    NULL) {
			if (err[0] == '\0')
				seterr(err, errlen, "%s: cannot open",
				    cfg->allow_file);
			return -1;
		}
	} else if ((fp = fopen(cfg->allow_file, "r")) == NULL) {
		seterr(err, errlen, "%s: %s", cfg->allow_file,
		    strerror(errno));
		return -1;
	}
	rc = config_read_allow(cfg, fp, cfg->allow_file, err, errlen);
	fclose(fp);
	return rc;
}

/* The command line over the file, the defaults, the checks. */
static int
finish_load(struct mx_config *out, const struct mx_config *cmdline,
    unsigned port, config_allow_open_fn *allow_open, void *arg, char *err,
    size_t errlen)
{
	if (override(out, cmdline) == -1 || fill_defaults(out, port) == -1) {
		seterr(err, errlen, "out of memory");
		goto fail;
	}
	if (load_allow_file(out, allow_open, arg, err, errlen) == -1)
		goto fail;
	if (config_validate(out, port, err, errlen) == -1)
		goto fail;
	return 0;
fail:
	config_free(out);
	return -1;
}

void
config_usage(FILE *out, const char *progname, unsigned port)
{
	char left[64];
	size_t i;

	fprintf(out, "usage: %s [options] -f address -r address%s\n",
	    progname, (port & MX_PORT_LINUX) ?
	    " [-n number | --backend nftables]" : "");
	fprintf(out, "mxallowd %s: whitelist MTAs that fall back from a fake "
	    "MX to the real one\n\n", MXALLOWD_VERSION);
	for (i = 0; i < OPT_COUNT; i++) {
		const struct mx_option *o = &mx_options[i];

		if ((o->ports & port) == 0)
			continue;
		if (o->short_name != 0)
			snprintf(left, sizeof(left), "-%c, --%s%s%s",
			    o->short_name, o->name, o->arg_name ? " " : "",
			    o->arg_name ? o->arg_name : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name,
			    o->arg_name ? " " : "",
			    o->arg_name ? o->arg_name : "");
		fprintf(out, "  %-34s %s", left, o->help);
		if (config_default(o, port) != NULL)
			fprintf(out, " (default: %s)", config_default(o, port));
		fputc('\n', out);
	}
	fprintf(out, "\nConfig file lines are the long options without the "
	    "dashes, e.g. \"fake-mailserver 192.0.2.10\".\n");
}
_Static_assert(OPT_COUNT <= 64, "mx_config.given has a bit per option");
