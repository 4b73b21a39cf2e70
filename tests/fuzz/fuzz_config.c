/*
 * Fuzz target: the config file parser (config_parse_stream(), fed the
 * input through fmemopen(3)), the command line parser (config_parse_args(),
 * the input split into arguments at NUL bytes) and config_load(), for
 * both ports.
 *
 * Whatever the input: every result is one the API names, and every error
 * comes with a message; a number holds its default or a value in its
 * option's range; what was set is marked given, and nothing else is; a
 * config that parsed either validates or fails with a message; a loaded
 * config is complete, and a failed load leaves nothing behind.  config_load()
 * reads /dev/null in place of any file the arguments name.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"

#define FILE_NAME	"fuzz.conf"

static const unsigned ports[] = { MX_PORT_LINUX, MX_PORT_PF };

static const struct {
	enum mx_option_id	id;
	size_t			off;
} numbers[] = {
	{ OPT_WHITELIST_TIME,		offsetof(struct mx_config,
					    whitelist_time) },
	{ OPT_QUEUE_NUM,		offsetof(struct mx_config, queue_num) },
	{ OPT_MAX_ENTRIES,		offsetof(struct mx_config,
					    max_entries) },
	{ OPT_RDNS_MAX_ADDRESSES,	offsetof(struct mx_config,
					    rdns_max_addresses) },
	{ OPT_DNS_THREADS,		offsetof(struct mx_config,
					    dns_threads) },
	{ OPT_DNS_QUEUE,		offsetof(struct mx_config, dns_queue) },
	{ OPT_DNS_CACHE_SIZE,		offsetof(struct mx_config,
					    dns_cache_size) },
	{ OPT_DNS_CACHE_TIME,		offsetof(struct mx_config,
					    dns_cache_time) },
	{ OPT_WHITELIST_PREFIX4,	offsetof(struct mx_config,
					    whitelist_prefix4) },
	{ OPT_WHITELIST_PREFIX6,	offsetof(struct mx_config,
					    whitelist_prefix6) },
};

/* String options with a default, which config_load() fills in. */
static const struct {
	enum mx_option_id	id;
	size_t			off;
} strings[] = {
	{ OPT_PFLOG_INTERFACE,	offsetof(struct mx_config,
				    pflog_interface) },
	{ OPT_PCAP_FILTER,	offsetof(struct mx_config, pcap_filter) },
	{ OPT_PIDFILE,		offsetof(struct mx_config, pidfile) },
	{ OPT_TABLE,		offsetof(struct mx_config, table) },
	{ OPT_USER,		offsetof(struct mx_config, user) },
	{ OPT_CONFIG,		offsetof(struct mx_config, config_file) },
	{ OPT_REPLAY,		offsetof(struct mx_config, replay) },
};

#define FIELD(cfg, type, off)	((type *)(void *)((char *)(cfg) + (off)))
#define GIVEN(cfg, id)		(((cfg)->given & (1ULL << (id))) != 0)

/*
 * What holds after any parse into a fresh config, failed or not; loaded
 * is set after config_load(), which fills in the defaults.
 */
static void
check_config(struct mx_config *cfg, bool loaded)
{
	struct mx_config init;
	const struct mx_option *opt;
	long long n;
	char *s;
	size_t i;

	config_init(&init);
	REQUIRE((cfg->given & ~((2ULL << (OPT_COUNT - 1)) - 1)) == 0);
	for (i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		opt = &mx_options[numbers[i].id];
		n = *FIELD(cfg, long long, numbers[i].off);
		REQUIRE(n == *FIELD(&init, long long, numbers[i].off) ||
		    (n >= opt->min && n <= opt->max));
		REQUIRE(n == *FIELD(&init, long long, numbers[i].off) ||
		    GIVEN(cfg, opt->id));
	}
	for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		opt = &mx_options[strings[i].id];
		s = *FIELD(cfg, char *, strings[i].off);
		if (!loaded)
			REQUIRE(s == NULL || (GIVEN(cfg, opt->id) &&
			    s[0] != '\0'));
		else if (opt->default_value != NULL)
			REQUIRE(s != NULL);
	}
	REQUIRE((cfg->fake.count > 0) == GIVEN(cfg, OPT_FAKE_MAILSERVER));
	REQUIRE((cfg->real.count > 0) == GIVEN(cfg, OPT_REAL_MAILSERVER));
	REQUIRE(cfg->fake.count == 0 || cfg->fake.addrs != NULL);
	REQUIRE(cfg->real.count == 0 || cfg->real.addrs != NULL);
}

/* A config that parsed is valid, or says why not. */
static void
check_validate(const struct mx_config *cfg, unsigned port)
{
	char err[512];
	int rc;

	err[0] = '\0';
	rc = config_validate(cfg, port, err, sizeof(err));
	REQUIRE(rc == 0 || (rc == -1 && err[0] != '\0'));
	REQUIRE(rc == -1 || (cfg->fake.count > 0 && cfg->real.count > 0));
}

static void
fuzz_file(const uint8_t *data, size_t size, unsigned port)
{
	struct mx_config cfg;
	char err[512], prefix[] = FILE_NAME ":";
	uint8_t *copy;
	FILE *fp;
	int rc;

	/* A heap copy of exactly the input: fmemopen(3) wants it writable. */
	if ((copy = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	memcpy(copy, data, size);
	if (size == 0)
		fp = fopen("/dev/null", "r");
	else
		fp = fmemopen(copy, size, "r");
	if (fp == NULL)
		abort();
	config_init(&cfg);
	err[0] = '\0';
	rc = config_parse_stream(&cfg, fp, FILE_NAME, port, err, sizeof(err));
	fclose(fp);
	free(copy);
	REQUIRE(rc == 0 || rc == -1);
	if (rc == -1)
		REQUIRE(strncmp(err, prefix, strlen(prefix)) == 0 &&
		    strlen(err) > strlen(prefix));
	else
		REQUIRE(err[0] == '\0');
	check_config(&cfg, false);
	/* Options only for the command line never come from a file. */
	REQUIRE(!GIVEN(&cfg, OPT_CONFIG) && !GIVEN(&cfg, OPT_REPLAY) &&
	    !GIVEN(&cfg, OPT_HELP) && !GIVEN(&cfg, OPT_VERSION));
	if (rc == 0)
		check_validate(&cfg, port);
	config_free(&cfg);
}

static void
fuzz_load(struct mx_config *cmdline, unsigned port)
{
	struct mx_config out;
	char err[512];
	int rc;

	free(cmdline->config_file);
	if ((cmdline->config_file = strdup("/dev/null")) == NULL)
		abort();
	err[0] = '\0';
	rc = config_load(&out, cmdline, port, err, sizeof(err));
	REQUIRE(rc == 0 || rc == -1);
	if (rc == -1) {
		REQUIRE(err[0] != '\0');
		REQUIRE(zeroed(&out, sizeof(out)));
		return;
	}
	check_config(&out, true);
	REQUIRE(config_validate(&out, port, err, sizeof(err)) == 0);
	config_free(&out);
}

static void
fuzz_args(const uint8_t *data, size_t size, unsigned port)
{
	struct mx_config cfg;
	enum config_args_result res;
	char **argv, err[512];
	size_t i, start, argc, nul = 0;

	for (i = 0; i < size; i++)
		if (data[i] == '\0')
			nul++;
	/* argv[0], an argument per NUL-ended piece and a last one, NULL. */
	if ((argv = calloc(nul + 3, sizeof(*argv))) == NULL ||
	    (argv[0] = strdup("mxallowd")) == NULL)
		abort();
	argc = 1;
	for (start = 0, i = 0; i <= size; i++) {
		if (i < size && data[i] != '\0')
			continue;
		if (i == size && i == start)
			break;
		if ((argv[argc] = malloc(i - start + 1)) == NULL)
			abort();
		memcpy(argv[argc], data + start, i - start);
		argv[argc][i - start] = '\0';
		argc++;
		start = i + 1;
	}
	argv[argc] = NULL;

	config_init(&cfg);
	err[0] = '\0';
	res = config_parse_args(&cfg, (int)argc, argv, port, err,
	    sizeof(err));
	REQUIRE(res == CONFIG_ARGS_OK || res == CONFIG_ARGS_ERROR ||
	    res == CONFIG_ARGS_HELP || res == CONFIG_ARGS_VERSION);
	REQUIRE((res == CONFIG_ARGS_ERROR) == (err[0] != '\0'));
	REQUIRE(res != CONFIG_ARGS_HELP || GIVEN(&cfg, OPT_HELP));
	REQUIRE(res != CONFIG_ARGS_VERSION || GIVEN(&cfg, OPT_VERSION));
	check_config(&cfg, false);
	if (res == CONFIG_ARGS_OK) {
		check_validate(&cfg, port);
		fuzz_load(&cfg, port);
	}
	config_free(&cfg);
	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i;

	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		fuzz_file(data, size, ports[i]);
		fuzz_args(data, size, ports[i]);
	}
	return 0;
}
