/*
 * The metrics file (metrics-file): the statistics counters and the
 * gauges in the Prometheus text exposition format, for node_exporter's
 * textfile collector.  Written, like the state file, to a temporary file
 * beside it and renamed over it, so that a reader never sees half of one:
 *
 *	# HELP mxallowd_blocked_total Real-MX connection attempts blocked.
 *	# TYPE mxallowd_blocked_total counter
 *	mxallowd_blocked_total 12
 *	...
 *	# HELP mxallowd_whitelist_entries Entries in the whitelist now.
 *	# TYPE mxallowd_whitelist_entries gauge
 *	mxallowd_whitelist_entries 3
 *	...
 *	mxallowd_allow_entries 2
 *
 * Every field of stats_fields() is there, in its order: a key that ends
 * in "_entries" is a gauge named mxallowd_KEY, any other a counter named
 * mxallowd_KEY_total.
 */
#ifndef MX_METRICS_H
#define MX_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "stats.h"

/* Far more than the file takes: a bound on what a writer may write. */
#define METRICS_SIZE_MAX	16384

int	metrics_format(char *, size_t, const struct mx_stats *, uint64_t,
	    uint64_t);
int	metrics_write(int, const struct mx_stats *, uint64_t, uint64_t, char *,
	    size_t);
int	metrics_dir_open(const char *, const char **);
int	metrics_tmp_open(int, const char *, char *, size_t, char *, size_t);
int	metrics_save_at(int, const char *, const struct mx_stats *, uint64_t,
	    uint64_t, char *, size_t);

#endif
