/*
 * The whitelist: addresses (or networks) with an expiry time.
 *
 * Entries live in one array; an open-addressing index finds them by
 * address, and a doubly-linked list keeps them in expiry order.  Because
 * every entry normally expires whitelist-time after its last use, a new or
 * refreshed entry belongs at the tail of that list: insert, refresh, lookup
 * and expire are O(1), and expiring never scans the table.
 *
 * Each entry may carry a 32-bit value (it fits in what would otherwise be
 * padding): the resolver's cache uses one of these tables too.
 */
#ifndef MX_WHITELIST_H
#define MX_WHITELIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

enum wl_removal {
	WL_EXPIRED,		/* its time ran out */
	WL_EVICTED,		/* the table was full; it was closest to expiry */
	WL_DROPPED		/* removed on request */
};

enum wl_insert_result {
	WL_ADDED,
	WL_REFRESHED,
	WL_NOMEM
};

/* Told of every entry that leaves the table, whatever the reason. */
typedef void	wl_removed_cb(void *, const struct mx_addr *, int64_t,
		    enum wl_removal);
typedef void	wl_added_cb(void *, const struct mx_addr *, int64_t);
typedef void	wl_visit_cb(void *, const struct mx_addr *, int64_t);
typedef void	wl_visit_value_cb(void *, const struct mx_addr *, int64_t,
		    uint32_t);

struct whitelist;

struct whitelist *wl_create(size_t, uint64_t, wl_removed_cb *, void *);
void	wl_destroy(struct whitelist *);
void	wl_set_added_cb(struct whitelist *, wl_added_cb *, void *);
enum wl_insert_result wl_insert(struct whitelist *, const struct mx_addr *,
	    int64_t);
enum wl_insert_result wl_insert_value(struct whitelist *,
	    const struct mx_addr *, int64_t, uint32_t);
bool	wl_get(const struct whitelist *, const struct mx_addr *, int64_t,
	    uint32_t *);
bool	wl_lookup(const struct whitelist *, const struct mx_addr *, int64_t,
	    int64_t *, uint32_t *);
bool	wl_contains(const struct whitelist *, const struct mx_addr *, int64_t);
/* Keys looked up together: prefetch them in groups of this many. */
#define WL_PREFETCH_BATCH	64
void	wl_prefetch(const struct whitelist *, const struct mx_addr *, size_t);
bool	wl_renew(struct whitelist *, const struct mx_addr *, int64_t, int64_t);
bool	wl_remove(struct whitelist *, const struct mx_addr *);
size_t	wl_expire(struct whitelist *, int64_t);
int64_t	wl_next_expiry(const struct whitelist *);
void	wl_clamp_expiry(struct whitelist *, int64_t);
void	wl_set_max(struct whitelist *, size_t);
size_t	wl_count(const struct whitelist *);
size_t	wl_memory(const struct whitelist *);
void	wl_foreach(const struct whitelist *, wl_visit_cb *, void *);
void	wl_foreach_value(const struct whitelist *, wl_visit_value_cb *,
	    void *);

#define WL_NEVER	INT64_MAX

#endif
