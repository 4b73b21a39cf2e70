/*
 * Counters shown on SIGUSR1, at exit, and by the control socket's
 * "show stats".
 */
#ifndef MX_STATS_H
#define MX_STATS_H

#include <stddef.h>
#include <stdint.h>

struct mx_stats {
	uint64_t	fake_hits;	/* connection attempts to a fake MX */
	uint64_t	whitelisted;	/* hosts newly whitelisted */
	uint64_t	refreshed;	/* entries renewed by a new fake or real hit */
	uint64_t	accepted;	/* real-MX connections let through */
	uint64_t	blocked;	/* direct-to-second-MX attempts dropped */
	uint64_t	ignored;	/* packets that are not our business */
	uint64_t	parse_errors;	/* malformed or truncated packets */
	uint64_t	overflows;	/* reports of packets the kernel lost */
	uint64_t	evictions;	/* entries pushed out by max-entries */
	uint64_t	expired;	/* entries whose time ran out */
	uint64_t	nomem;		/* whitelist insertions that failed */
	uint64_t	port_errors;	/* firewall requests that failed */
	uint64_t	rdns_lookups;	/* reverse-DNS lookups completed */
	uint64_t	rdns_failed;	/* of those, no name, unconfirmed, error */
	uint64_t	rdns_skipped;	/* not made: a queue was full */
	uint64_t	rdns_siblings;	/* addresses whitelisted through a name */
	uint64_t	allowed;	/* of accepted: senders on the allow list */
	uint64_t	would_block;	/* observe: SYNs that would be blocked */
	uint64_t	sync_sent;	/* events published to the other gates */
	uint64_t	sync_received;	/* their events taken into the whitelist */
	uint64_t	sync_dropped;	/* events not sent or not taken: full */
	uint64_t	sync_errors;	/* events refused, server errors */
	uint64_t	sync_connected;	/* 1 while connected to the server */
	/* The answering fake MX (fake-answer 421, 450): */
	uint64_t	fake_answered;	/* connections whitelisted and answered */
	uint64_t	fake_refused;	/* over a limit: 421 at once, or accept failed */
	uint64_t	fake_timeouts;	/* connections that ran out of time */
	uint64_t	fake_bad_lines;	/* lines longer than SMTP allows */
};

/*
 * The counters of the statistics line, in its order, and three gauges:
 * the whitelist's size and sync-connected (among them) and the allow
 * list's size (last).
 */
#define STATS_FIELDS	28

struct stats_field {
	const char	*label;		/* as in the statistics line */
	const char	*key;		/* a JSON name */
	uint64_t	 value;
};

void	stats_fields(const struct mx_stats *, uint64_t, uint64_t,
	    struct stats_field[STATS_FIELDS]);
void	stats_log(const struct mx_stats *, uint64_t, uint64_t);

#endif
