/*
 * The control socket's server: a listening UNIX stream socket, served
 * from the daemon's event loop without ever blocking it.  One request
 * line per connection; the answer is built whole (control_exec.c), sent
 * as the client reads it, and the connection closed.
 *
 * Bounded in every way a local client could push it: at most
 * CTL_CLIENTS_MAX connections (more are told so and closed), a request of
 * at most CTL_LINE_MAX bytes, an answer of at most CTL_OUTPUT_MAX bytes,
 * and a client that makes no progress for the idle time (sends nothing,
 * or reads nothing of its answer) is dropped.
 */
#ifndef MX_CONTROL_H
#define MX_CONTROL_H

#include <sys/types.h>

#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTL_CLIENTS_MAX		32
#define CTL_IDLE_MS		10000
#define CTL_OUTPUT_MAX		(16U << 20)
#define CTL_DEFAULT_PATH	"/var/run/mxallowd.sock"

/* Who sent a request: what the system tells of the socket's peer. */
struct ctl_peer {
	bool	 known;		/* false: the system did not tell */
	uid_t	 uid;
	gid_t	 gid;
	pid_t	 pid;		/* -1: not told (getpeereid(3) has none) */
};

/* An answer being built: data lines, then the server ends it. */
struct ctl_out {
	char	*buf;
	size_t	 len;
	size_t	 cap;
	bool	 full;		/* CTL_OUTPUT_MAX reached: lines were lost */
	const struct ctl_peer *peer;	/* the requester; NULL: unknown */
};

void	ctl_printf(struct ctl_out *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Carry out one request line (without its newline): data lines into out;
 * return 0, or -1 with the reason in err.
 */
typedef int	ctl_handler(void *, const char *, size_t, struct ctl_out *,
		    char *, size_t);
/*
 * The peer's user and group ids, and its process id or -1, from the port
 * (optional); 0 or -1.
 */
typedef int	ctl_peer_fn(int, uid_t *, gid_t *, pid_t *);

struct control;

struct control *control_open(const char *, mode_t, uid_t, gid_t, char *,
	    size_t);
void	control_set_handler(struct control *, ctl_handler *, void *);
void	control_set_peer(struct control *, ctl_peer_fn *);
void	control_set_idle(struct control *, int);
int	control_fd(const struct control *);
size_t	control_pollfds(struct control *, struct pollfd *, size_t);
void	control_serve(struct control *, const struct pollfd *, size_t);
int	control_timeout(const struct control *, int);
size_t	control_clients(const struct control *);
void	control_close(struct control *, bool);

#endif
