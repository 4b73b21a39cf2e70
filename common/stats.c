/*
 * The statistics line, logged on SIGUSR1 and at exit; its counters, named,
 * for the control socket.  One list of names for both, so that they
 * cannot drift apart.
 */
#include <stdio.h>

#include "log.h"
#include "stats.h"

/*
 * entries: the whitelist's current size, which is no counter; allow: the
 * allow list's (its addresses and networks, names' addresses included).
 */
void
stats_fields(const struct mx_stats *s, uint64_t entries, uint64_t allow,
    struct stats_field f[STATS_FIELDS])
{
	const struct stats_field all[STATS_FIELDS] = {
		{ "fake-mx hits", "fake_mx_hits", s->fake_hits },
		{ "whitelisted", "whitelisted", s->whitelisted },
		{ "accepted", "accepted", s->accepted },
		{ "blocked", "blocked", s->blocked },
		{ "refreshed", "refreshed", s->refreshed },
		{ "ignored", "ignored", s->ignored },
		{ "parse errors", "parse_errors", s->parse_errors },
		{ "overflows", "overflows", s->overflows },
		{ "evictions", "evictions", s->evictions },
		{ "expired", "expired", s->expired },
		{ "whitelist entries", "whitelist_entries", entries },
		{ "failures", "failures", s->nomem + s->port_errors },
		{ "rdns lookups", "rdns_lookups", s->rdns_lookups },
		{ "rdns failed", "rdns_failed", s->rdns_failed },
		{ "rdns skipped", "rdns_skipped", s->rdns_skipped },
		{ "rdns siblings", "rdns_siblings", s->rdns_siblings },
		{ "allowed", "allowed", s->allowed },
		{ "would-block", "would_block", s->would_block },
		{ "sync-sent", "sync_sent", s->sync_sent },
		{ "sync-received", "sync_received", s->sync_received },
		{ "sync-dropped", "sync_dropped", s->sync_dropped },
		{ "sync-errors", "sync_errors", s->sync_errors },
		{ "sync-connected", "sync_connected", s->sync_connected },
		{ "fake answered", "fake_answered", s->fake_answered },
		{ "fake refused", "fake_refused", s->fake_refused },
		{ "fake timeouts", "fake_timeouts", s->fake_timeouts },
		{ "fake bad lines", "fake_bad_lines", s->fake_bad_lines },
		{ "allow entries", "allow_entries", allow },
	};
	size_t i;

	for (i = 0; i < STATS_FIELDS; i++)
		f[i] = all[i];
}

void
stats_log(const struct mx_stats *s, uint64_t entries, uint64_t allow)
{
	struct stats_field f[STATS_FIELDS];
	char line[1024];
	size_t i, len = 0;
	int n;

	stats_fields(s, entries, allow, f);
	for (i = 0; i < STATS_FIELDS; i++) {
		n = snprintf(line + len, sizeof(line) - len, "%s%s %llu",
		    i == 0 ? "" : ", ", f[i].label,
		    (unsigned long long)f[i].value);
		if (n < 0 || (size_t)n >= sizeof(line) - len)
			break;
		len += (size_t)n;
	}
	log_notice("statistics: %s", line);
}
