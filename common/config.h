/*
 * Configuration: the command line and the config file, which share one
 * option table (config file keys are the long option names).
 */
#ifndef MX_CONFIG_H
#define MX_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"

/* Which port the running binary is: options may belong to one only. */
#define MX_PORT_LINUX	0x1
#define MX_PORT_PF	0x2
#define MX_PORT_ALL	(MX_PORT_LINUX | MX_PORT_PF)
/*
 * The Linux port's two backends: an option of one is refused with the
 * other (config_validate(); the backend is known once everything is read).
 */
#define MX_BACKEND_NFQUEUE	0x4
#define MX_BACKEND_NFTABLES	0x8
#define MX_BACKENDS		(MX_BACKEND_NFQUEUE | MX_BACKEND_NFTABLES)

enum mx_option_id {
	OPT_FAKE_MAILSERVER,
	OPT_REAL_MAILSERVER,
	OPT_WHITELIST_TIME,
	OPT_QUEUE_NUM,
	OPT_PFLOG_INTERFACE,
	OPT_PCAP_FILTER,
	OPT_CONFIG,
	OPT_STDOUT,
	OPT_QUIET,
	OPT_DEBUG,
	OPT_FOREGROUND,
	OPT_NO_RDNS_WHITELIST,
	OPT_MAX_ENTRIES,
	OPT_PIDFILE,
	OPT_TABLE,
	OPT_USER,
	OPT_STATE_FILE,
	OPT_STATE_INTERVAL,
	OPT_CHROOT,
	OPT_REPLAY,
	OPT_RDNS_FORWARD_CONFIRM,
	OPT_RDNS_MAX_ADDRESSES,
	OPT_DNS_THREADS,
	OPT_DNS_QUEUE,
	OPT_DNS_CACHE_SIZE,
	OPT_DNS_CACHE_TIME,
	OPT_WHITELIST_PREFIX4,
	OPT_WHITELIST_PREFIX6,
	OPT_CONTROL_SOCKET,
	OPT_CONTROL_GROUP,
	OPT_SUSPECT_HITS,
	OPT_METRICS_FILE,
	OPT_ALLOW,
	OPT_ALLOW_FILE,
	OPT_OBSERVE,
	OPT_BACKEND,
	OPT_NFT_TABLE,
	OPT_NFLOG_GROUP,
	OPT_PRINT_RULESET,
	OPT_REMOVE_TABLE,
	OPT_SYNC,
	OPT_SYNC_CHANNEL,
	OPT_SYNC_NAME,
	OPT_FAKE_ANSWER,
	OPT_FAKE_ANSWER_CONNECTIONS,
	OPT_FAKE_ANSWER_PER_SOURCE,
	OPT_FAKE_ANSWER_TIMEOUT,
	OPT_HELP,
	OPT_VERSION,
	OPT_COUNT
};

enum mx_option_type {
	OPT_TYPE_ADDR,		/* repeatable address literal */
	OPT_TYPE_NUMBER,
	OPT_TYPE_STRING,
	OPT_TYPE_FLAG,
	OPT_TYPE_BOOL,		/* takes yes or no */
	OPT_TYPE_LIST		/* repeatable string (allow) */
};

struct mx_option {
	enum mx_option_id	 id;
	const char		*name;
	int			 short_name;	/* 0: long form only */
	enum mx_option_type	 type;
	unsigned		 ports;
	bool			 command_line_only;
	const char		*arg_name;
	const char		*default_value;	/* NULL: none */
	long long		 min, max;	/* numbers only */
	const char		*help;
};

extern const struct mx_option mx_options[OPT_COUNT];

struct mx_config {
	struct mx_addrlist	 fake;
	struct mx_addrlist	 real;
	long long		 whitelist_time;
	long long		 queue_num;
	long long		 max_entries;
	long long		 state_interval;
	long long		 rdns_max_addresses;
	long long		 dns_threads;
	long long		 dns_queue;
	long long		 dns_cache_size;
	long long		 dns_cache_time;
	long long		 whitelist_prefix4;
	long long		 whitelist_prefix6;
	long long		 suspect_hits;
	long long		 nflog_group;
	long long		 fake_answer_connections;
	long long		 fake_answer_per_source;
	long long		 fake_answer_timeout;
	char			*pflog_interface;
	char			*pcap_filter;
	char			*pidfile;
	char			*table;
	char			*user;
	char			*state_file;
	char			*chroot_dir;
	char			*replay;
	char			*config_file;
	char			*control_socket;
	char			*control_group;
	char			*metrics_file;
	char			**allow;	/* allow, then allow-file's */
	size_t			 nallow;
	size_t			 nallow_given;	/* of those, by allow */
	char			*allow_file;
	char			*backend;	/* nfqueue or nftables */
	char			*nft_table;
	char			*sync_url;	/* NULL or "none": no sync */
	char			*sync_channel;
	char			*sync_name;	/* NULL: the host name */
	char			*fake_answer;	/* rst, 421 or 450 */
	bool			 observe;
	bool			 to_stdout;
	bool			 quiet;
	bool			 debug;
	bool			 foreground;
	bool			 no_rdns_whitelist;
	bool			 rdns_forward_confirm;
	bool			 print_ruleset;
	bool			 remove_table;
	uint64_t		 given;		/* bit per option id */
};

#define CONFIG_DEFAULT_FILE	"/etc/mxallowd.conf"

/*
 * What the fake MX does with a connection (fake-answer): nothing, so that
 * the kernel (pf: the rule) refuses it with a RST and a SYN whitelists its
 * source; or mxallowd answers on port 25 itself (fakemx.h) and whitelists
 * only peers that completed the handshake.
 */
enum fake_answer {
	FAKE_ANSWER_RST,
	FAKE_ANSWER_421,
	FAKE_ANSWER_450
};

enum config_args_result {
	CONFIG_ARGS_OK,
	CONFIG_ARGS_ERROR,
	CONFIG_ARGS_HELP,
	CONFIG_ARGS_VERSION
};

void	config_init(struct mx_config *);
const char *config_path(const struct mx_config *);
void	config_free(struct mx_config *);
enum config_args_result config_parse_args(struct mx_config *, int, char **,
	    unsigned, char *, size_t);
int	config_parse_file(struct mx_config *, const char *, bool, unsigned,
	    char *, size_t);
int	config_parse_stream(struct mx_config *, FILE *, const char *, unsigned,
	    char *, size_t);
int	config_load(struct mx_config *, const struct mx_config *, unsigned,
	    char *, size_t);
int	config_load_stream(struct mx_config *, const struct mx_config *,
	    FILE *, unsigned, char *, size_t);
/*
 * Opens the allow-file for config_load_streams(): a stream to read, or
 * NULL with the reason in err ("file: why").
 */
typedef FILE	*config_allow_open_fn(void *, const char *, char *, size_t);
int	config_load_streams(struct mx_config *, const struct mx_config *,
	    FILE *, unsigned, config_allow_open_fn *, void *, char *, size_t);
int	config_validate(const struct mx_config *, unsigned, char *, size_t);
int	config_read_allow(struct mx_config *, FILE *, const char *, char *,
	    size_t);
void	config_usage(FILE *, const char *, unsigned);
const struct mx_option *config_option(const char *);
const char *config_default(const struct mx_option *, unsigned);
bool	config_nftables(const struct mx_config *);
enum fake_answer config_fake_answer(const struct mx_config *);

#endif
