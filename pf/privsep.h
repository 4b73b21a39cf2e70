/*
 * Privilege separation for the pf port: a small privileged process keeps
 * /dev/pf and changes the table on behalf of the packet-parsing process,
 * which runs as an unprivileged user in a chroot.  See privsep.c.
 */
#ifndef MX_PF_PRIVSEP_H
#define MX_PF_PRIVSEP_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"
#include "statefile.h"
#include "table.h"

#define PRIVSEP_EMPTY_DIR	"/var/empty"

/*
 * The state file's requests, beside the table's (enum pft_op in table.h):
 * no addresses, the configured table's name.  The answer to STATE_OPEN
 * carries the descriptor of a new temporary file (SCM_RIGHTS).
 */
enum privsep_op {
	PRIVSEP_OP_STATE_OPEN = 100,	/* a temporary file to write */
	PRIVSEP_OP_STATE_KEEP,		/* rename it over the state file */
	PRIVSEP_OP_STATE_DISCARD,	/* remove it */
	PRIVSEP_OP_CONFIG_OPEN,		/* the configuration file, to read */
	PRIVSEP_OP_TABLE_MOVE,		/* to the table named: the reloaded
					   configuration's, and only that */
	PRIVSEP_OP_METRICS_OPEN,	/* a temporary metrics file */
	PRIVSEP_OP_METRICS_KEEP,	/* rename it over the metrics file */
	PRIVSEP_OP_METRICS_DISCARD,	/* remove it */
	PRIVSEP_OP_ALLOW_OPEN,		/* the allow-file, to read: only the
					   one the parent opened */
	PRIVSEP_OP_SYNC_CONNECT		/* a socket to the sync server: only
					   the one configured at start */
};

/*
 * The sync server (the sync option), resolved once at start: the parent
 * connects to it for the confined engine, which may open no socket.
 */
struct sync_target {
	struct sockaddr_storage	 addr;
	socklen_t		 len;		/* 0: none configured */
};

int	sync_target_resolve(const char *, struct sync_target *, char *,
	    size_t);
int	sync_target_dial(const struct sync_target *, int32_t *);

/* privsep_server's config_fd when it holds no descriptor. */
#define PRIVSEP_CONFIG_BY_PATH	(-2)	/* open config_path when asked */
#define PRIVSEP_CONFIG_NONE	(-1)	/* checked: there is no file */

/*
 * The privileged side of the channel: what it may do, for whom.  The
 * parent of the pf port serves one request at a time with
 * privsep_serve_one(), between its other duties.
 */
struct privsep_server {
	int			 sock;
	int			 pffd;		/* /dev/pf, read-write */
	char			 table[PFT_NAME_SIZE];	/* the one it changes */
	char			 next_table[PFT_NAME_SIZE]; /* a move's; "" */
	uint64_t		 request_max;	/* pf's cap on one request */
	struct state_writer	*sw;		/* NULL: no state file */
	struct state_writer	*mw;		/* NULL: no metrics file */
	const char		*config_path;	/* NULL: none to give */
	bool			 config_required; /* named with -c */
	int			 config_fd;	/* checked, to give next; or: */
	int			 allow_fd;	/* the allow-file checked with
						   it, to give next; -1 */
	int			 allow_error;	/* or why it could not be
						   opened (errno); 0 */
	/*
	 * A reload the engine starts itself (the control socket's): the
	 * parent reads and checks the files first, as on SIGHUP, and
	 * leaves config_fd and allow_fd set.  NULL: open by path.
	 */
	void			(*check)(void *);
	void			*check_arg;
	struct sync_target	 sync;		/* where SYNC_CONNECT goes */
	struct log_ratelimit	 warn;
};


/* What the child answers to every request. */
struct privsep_reply {
	int32_t		error;		/* 0 or an errno value */
	int32_t		changed;	/* tables or addresses added/deleted */
};

struct privsep;

/* The unprivileged user, looked up while the password file is in reach. */
struct privsep_user {
	uid_t		 uid;
	gid_t		 gid;
	char		*dir;		/* where to chroot */
};

/* What each descriptor the engine keeps is for (FreeBSD limits them). */
enum privsep_keep_kind {
	PRIVSEP_KEEP_CAPTURE,		/* the bpf descriptor */
	PRIVSEP_KEEP_CHANNEL,		/* a socket or pipe to talk through */
	PRIVSEP_KEEP_LISTENER,		/* the control socket: accepts */
	PRIVSEP_KEEP_INET_LISTENER,	/* the answering fake MX: accepts */
	PRIVSEP_KEEP_OUTPUT,		/* standard output and error */
	PRIVSEP_KEEP_IDLE		/* open, unused: standard input */
};

/* Room for the fake MX's listeners (fake-answer 421, 450) too. */
#define PRIVSEP_KEEP_MAX	48
/* Descriptors the engine may hold at once beyond those it keeps. */
#define PRIVSEP_FDS_RECEIVED	4
/* And those of sharing the whitelist: two connections, two pipes. */
#define PRIVSEP_FDS_SYNC	6

struct privsep_keep {
	struct {
		int			fd;
		enum privsep_keep_kind	kind;
	}	fds[PRIVSEP_KEEP_MAX];
	size_t	count;
	/* Descriptors it may open on top: the fake MX's connections. */
	size_t	extra;
};

struct privsep	*privsep_connect(int, const char *);
void		 privsep_server_init(struct privsep_server *, int, int,
		    const char *);
int		 privsep_serve_one(struct privsep_server *);
FILE		*privsep_config_open(struct privsep *, bool, char *, size_t);
FILE		*privsep_allow_open(struct privsep *, const char *, char *,
		    size_t);
int		 privsep_table_move(struct privsep *, const char *);
pft_exec_fn	 privsep_exec;		/* argument: the struct privsep * */
void		 privsep_stop(struct privsep *);
int		 privsep_check_request(const void *, size_t, const char *,
		    char *, size_t);
int		 privsep_serve(int, int, const char *, struct state_writer *);
int		 privsep_state_open(struct privsep *, char *, size_t);
int		 privsep_state_close(struct privsep *, bool, char *, size_t);
int		 privsep_metrics_open(struct privsep *, char *, size_t);
int		 privsep_sync_connect(struct privsep *, char *, size_t);
int		 privsep_metrics_close(struct privsep *, bool, char *, size_t);
int		 privsep_lookup_user(const char *, struct privsep_user *,
		    char *, size_t);
void		 privsep_keep_fd(struct privsep_keep *, int,
		    enum privsep_keep_kind);
bool		 privsep_keeps(const struct privsep_keep *,
		    enum privsep_keep_kind);
void		 privsep_drop(const struct privsep_user *,
		    const struct privsep_keep *, uint64_t);
void		 privsep_drop_resolver(const struct privsep_user *);
void		 privsep_limit(const struct privsep_keep *);
const char	*privsep_engine_promises(const struct privsep_keep *);
void		 privsep_close_others(const struct privsep_keep *);
void		 privsep_confine_parent(const char *,
		    const struct state_writer *, const char *, const char *,
		    const struct state_writer *, const char *, const char *,
		    const char *);
int		 privsep_fd(const struct privsep *);
int		 privsep_move_entries(int, const char *, const char *, uint64_t,
		    size_t *);


#endif
