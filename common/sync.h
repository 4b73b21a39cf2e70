/*
 * Sharing the whitelist with other gates through a Redis or Valkey server.
 *
 * All the talking to the server happens in a thread of its own (the
 * backend, common/sync/): the process that owns the whitelist only puts
 * events in a bounded queue, which never waits (a full queue drops the
 * event and counts it), and takes, from its event loop, the events of the
 * other gates the thread has read, parsed and checked (sync_event.h).
 * sync_fd() becomes readable when some wait.  With the server down, slow
 * or unreachable, nothing here stalls the owner: the thread retries with
 * a growing pause (at most SYNC_BACKOFF_MAX_MS), keeps what the owner
 * queued meanwhile, and on every connection loads the live entries of the
 * store before it publishes the rest.
 */
#ifndef MX_SYNC_H
#define MX_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sync_event.h"

#define SYNC_BACKOFF_MAX_MS	10000
/* Events read but not yet taken; the reader waits when it is full. */
#define SYNC_INBOUND_MAX	4096

struct sync_config {
	struct sync_url	 url;
	char		 where[512];	/* the URL without its password */
	char		 channel[SYNC_NAME_MAX + 1];
	char		 gate[SYNC_NAME_MAX + 1];
	int64_t		 whitelist_ms;
	size_t		 queue_size;	/* of events to publish */
	/*
	 * The thread may not open sockets (pf's confined engine): it asks
	 * the owner for each connection (sync_fd_wanted(), sync_give_fd()),
	 * which gets one from the port (mx_port.sync_connect).
	 */
	bool		 owner_connects;
};

struct sync_counters {
	uint64_t	 sent;		/* events published and stored */
	uint64_t	 errors;	/* refused events, server errors */
	uint64_t	 connections;	/* connections made so far */
	bool		 connected;
};

struct sync;

bool	sync_available(void);
struct sync *sync_start(const struct sync_config *, char *, size_t);
void	sync_stop(struct sync *);
void	sync_abandon(struct sync *);
int	sync_fd(const struct sync *);
bool	sync_send(struct sync *, const struct sync_event *);
size_t	sync_take(struct sync *, struct sync_event *, size_t);
void	sync_set_whitelist_ms(struct sync *, int64_t);
void	sync_counters(struct sync *, struct sync_counters *);
bool	sync_fd_wanted(struct sync *);
void	sync_give_fd(struct sync *, int, const char *);
int64_t	sync_wall_ms(void);

#endif
