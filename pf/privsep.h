/*
 * Privilege separation for the pf port: a small privileged process keeps
 * /dev/pf and changes the table on behalf of the packet-parsing process,
 * which runs as an unprivileged user in a chroot.  See privsep.c.
 */
#ifndef MX_PF_PRIVSEP_H
#define MX_PF_PRIVSEP_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
	PRIVSEP_OP_STATE_DISCARD	/* remove it */
};

struct privsep_conf {
	const char	*table;		/* the one table the child may change */
	int		 pffd;		/* /dev/pf, open for reading and writing */
	int		 close_fd;	/* the child closes it (capture); -1: none */
	const char	*pidfile;	/* the child removes it at the end; NULL */
	const char	*state_file;	/* the child writes it; NULL: none */
	bool		 detach;	/* new session (the parent will daemonize) */
	bool		 keep_stdio;	/* with detach: keep stdin/out/err */
	bool		 confine;	/* unveil/Capsicum in the child (not tests) */
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

struct privsep	*privsep_start(const struct privsep_conf *);
pft_exec_fn	 privsep_exec;		/* argument: the struct privsep * */
int		 privsep_stop(struct privsep *);
int		 privsep_check_request(const void *, size_t, const char *,
		    char *, size_t);
int		 privsep_serve(int, int, const char *, struct state_writer *);
int		 privsep_state_open(struct privsep *, char *, size_t);
int		 privsep_state_close(struct privsep *, bool, char *, size_t);
int		 privsep_lookup_user(const char *, struct privsep_user *,
		    char *, size_t);
void		 privsep_drop(const struct privsep_user *, bool, uint64_t);


#endif
