/*
 * Between the sync engine (sync.c: the queues, the checks, the counters)
 * and the code that talks to the server (common/sync/redis.c with
 * hiredis, or common/sync/none.c when the build has no hiredis).  Only
 * the backend's thread calls the sync_io_*() functions.
 */
#ifndef MX_SYNC_BACKEND_H
#define MX_SYNC_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "sync.h"

/* Whether this build can talk to a server at all. */
bool	sync_backend_available(void);
/* The thread's body: runs until sync_io_stopping(). */
void	sync_backend_run(struct sync *);

const struct sync_config *sync_io_config(const struct sync *);
bool	sync_io_stopping(struct sync *);
/* Wait up to ms for fd (-1: none) to be readable, events to send, or the
 * stop: SYNC_IO_READABLE and SYNC_IO_PENDING as they are. */
#define SYNC_IO_READABLE	0x1
#define SYNC_IO_PENDING		0x2
int	sync_io_wait(struct sync *, int, int);
/* Sleep ms, or until the stop. */
void	sync_io_sleep(struct sync *, int);
/* Up to max events to send, left in the queue until sync_io_sent(). */
size_t	sync_io_peek(struct sync *, struct sync_event *, size_t);
void	sync_io_sent(struct sync *, size_t);
/* One event's text, from the channel or (stored) from a key's value. */
void	sync_io_received(struct sync *, const char *, size_t, bool);
void	sync_io_error(struct sync *);
/* A connection from the owner (owner_connects): its descriptor, or -1. */
int	sync_io_fd(struct sync *, int, char *, size_t);
void	sync_io_connected(struct sync *, bool);

#endif
