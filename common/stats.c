/*
 * The statistics line, logged on SIGUSR1 and at exit.
 */
#include "log.h"
#include "stats.h"

void
stats_log(const struct mx_stats *s, uint64_t entries)
{
	log_notice("statistics: fake-mx hits %llu, whitelisted %llu, "
	    "accepted %llu, blocked %llu, refreshed %llu, ignored %llu, "
	    "parse errors %llu, overflows %llu, evictions %llu, "
	    "expired %llu, whitelist entries %llu, failures %llu, "
	    "rdns lookups %llu, rdns failed %llu, rdns skipped %llu, "
	    "rdns siblings %llu",
	    (unsigned long long)s->fake_hits,
	    (unsigned long long)s->whitelisted,
	    (unsigned long long)s->accepted,
	    (unsigned long long)s->blocked,
	    (unsigned long long)s->refreshed,
	    (unsigned long long)s->ignored,
	    (unsigned long long)s->parse_errors,
	    (unsigned long long)s->overflows,
	    (unsigned long long)s->evictions,
	    (unsigned long long)s->expired,
	    (unsigned long long)entries,
	    (unsigned long long)(s->nomem + s->port_errors),
	    (unsigned long long)s->rdns_lookups,
	    (unsigned long long)s->rdns_failed,
	    (unsigned long long)s->rdns_skipped,
	    (unsigned long long)s->rdns_siblings);
}
