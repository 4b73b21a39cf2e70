/*
 * Who tried: the connections the answering fake MX (fake-answer 421 or
 * 450) answered, most recent last, for "mxallowctl show tried" and for
 * the HELO name and sender "show suspects" adds.  A ring of fixed size,
 * allocated once: a flood replaces the oldest records and never grows it.
 */
#ifndef MX_TRIED_H
#define MX_TRIED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define TRIED_MAX	1000	/* records kept */
#define TRIED_RCPTS	3	/* recipients kept per record */
#define TRIED_TEXT	128	/* a HELO name, sender or recipient kept */
#define TRIED_NAME	256	/* an rDNS name kept */

struct tried_entry {
	struct mx_addr	addr;		/* the peer */
	int64_t		when;		/* answered, wall-clock seconds */
	unsigned	answer;		/* 421 or 450 */
	char		name[TRIED_NAME];	/* rDNS, "" if unknown */
	char		helo[TRIED_TEXT];	/* 450 only, "" if none */
	char		sender[TRIED_TEXT];	/* "<>" is "" too */
	bool		has_sender;
	char		rcpts[TRIED_RCPTS][TRIED_TEXT];
	unsigned	nrcpts;		/* kept */
	unsigned	rcpts_seen;	/* given, kept or not */
};

struct tried;

struct tried	*tried_create(size_t);
void		 tried_destroy(struct tried *);
/* A new record, filled by the caller; it replaces the oldest if full. */
struct tried_entry *tried_add(struct tried *, const struct mx_addr *,
		    int64_t, unsigned);
/* The rDNS name of addr, for its records that have none (the newest). */
void		 tried_set_name(struct tried *, const struct mx_addr *,
		    const char *);
/* The newest record of addr, or NULL. */
const struct tried_entry *tried_find(const struct tried *,
		    const struct mx_addr *);
typedef void	 tried_visit_cb(void *, const struct tried_entry *);
/* Newest first; addr NULL: every record, else only addr's. */
size_t		 tried_foreach(const struct tried *, const struct mx_addr *,
		    tried_visit_cb *, void *);
size_t		 tried_count(const struct tried *);
/* Copy src into dst (size n), truncated; "" for NULL. */
void		 tried_copy(char *, size_t, const char *);

#endif
