/*
 * The reports of the control socket's "show blocked" and "show
 * suspects" (issue 14): the senders most recently blocked at the real
 * MX, and the senders that reach the fake MX and never the real one (the
 * fire-and-forget signature of a spam bot).
 *
 * Two fixed-size tables, allocated once: whatever the traffic, and forged
 * source addresses cost nothing to send, they never grow; a new sender in
 * a full table takes the place of the one seen least recently.  Each
 * decision costs O(1) (a keyed hash, a list move), and nothing here can
 * block.  Times are on the caller's clock (the core's monotonic one).
 */
#ifndef MX_REPORT_H
#define MX_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "policy.h"

/* The most senders each table holds. */
#define REPORT_MAX	1000

struct report_entry {
	struct mx_addr	addr;
	uint64_t	count;		/* blocks, or fake-MX hits */
	int64_t		first;		/* seen first (since it entered) */
	int64_t		last;		/* seen last */
	bool		observed;	/* blocked: the last was let through by
					   observe mode (a "would block") */
};

typedef void	report_visit_cb(void *, const struct report_entry *);

struct report;

struct report	*report_create(size_t, uint64_t);
void		 report_destroy(struct report *);
void		 report_note(struct report *, enum mx_action,
		    const struct mx_addr *, int64_t);
void		 report_note_observed(struct report *,
		    const struct mx_addr *, int64_t);
size_t		 report_blocked(const struct report *, report_visit_cb *,
		    void *);
size_t		 report_suspects(const struct report *, uint64_t,
		    report_visit_cb *, void *);
size_t		 report_memory(const struct report *);

#endif
