/*
 * The daemon core shared by the ports: configuration, whitelist, policy,
 * statistics, signals and the event loop.  A port supplies the firewall
 * side through struct mx_port.  Each port's main() configures the core
 * (mxd_configure()), then runs the daemon (mxd_run()) or, with -R, the
 * replay (replay.h), which sets up the same core (mxd_init_core()) with
 * itself as the port.  Nothing here knows of the replay.
 */
#ifndef MX_DAEMON_H
#define MX_DAEMON_H

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>

#include "allow.h"
#include "config.h"
#include "log.h"
#include "packet.h"
#include "policy.h"
#include "report.h"
#include "resolver.h"
#include "stats.h"
#include "whitelist.h"

struct control;
struct fakemx;
struct tried;
struct ctl_out;
struct mxd;
struct pflog_info;
struct sync;
struct sync_event;

struct mx_port {
	const char	*name;
	unsigned	 id;		/* MX_PORT_LINUX or MX_PORT_PF */
	/* Cannot re-read its configuration: SIGHUP is ignored. */
	bool	 no_reload;
	/* Open the firewall side.  Runs before daemonizing; fatal on error. */
	void	(*start)(struct mxd *);
	/* Drop privileges, after the pidfile is written (optional). */
	void	(*confine)(struct mxd *);
	/* The descriptor the loop waits on. */
	int	(*fd)(struct mxd *);
	/* The descriptor is readable. */
	void	(*input)(struct mxd *);
	/* An entry entered the whitelist (optional). */
	void	(*added)(struct mxd *, const struct mx_addr *);
	/* An entry left the whitelist; it was to expire then (optional). */
	void	(*removed)(struct mxd *, const struct mx_addr *, int64_t,
		    enum wl_removal);
	/* A burst of whitelist changes outside input() is over (optional). */
	void	(*flush)(struct mxd *);
	/*
	 * Bring d->wl up to the firewall's own view (optional), for a
	 * firewall that renews and expires entries by itself (nftables'
	 * sets): called before entries expire, before the state file is
	 * written and before the control socket shows or changes the
	 * whitelist.  The port decides how often it really looks.
	 */
	void	(*readback)(struct mxd *);
	/*
	 * Return -1 (and log why) to refuse a reloaded configuration.  It
	 * may lower what the firewall cannot hold (max-entries).
	 */
	int	(*reconfigure)(struct mxd *, struct mx_config *);
	void	(*stop)(struct mxd *);
	/*
	 * The state file's writer, for a port whose daemon cannot create
	 * files itself (optional; without it the core writes through a
	 * descriptor of the file's directory opened at start).  state_open
	 * returns a descriptor of a new, empty temporary file, or -1 with
	 * the reason in err; state_close puts the file in place (keep) or
	 * removes it, and returns 0 or -1 with err set.
	 */
	int	(*state_open)(struct mxd *, char *, size_t);
	int	(*state_close)(struct mxd *, bool, char *, size_t);
	/*
	 * The configuration file on reload, for a port whose daemon cannot
	 * open it itself (optional): a stream to read, or NULL, with err
	 * set on an error and empty when there is no file.
	 */
	FILE	*(*config_open)(struct mxd *, char *, size_t);
	/*
	 * The allow-file the reloaded configuration names, likewise
	 * (optional: with config_open only): a stream to read, or NULL with
	 * err set.
	 */
	FILE	*(*allow_open)(struct mxd *, const char *, char *, size_t);
	/*
	 * The user and group ids of a control socket's peer, and its
	 * process id where the system tells, else -1 (optional: the call
	 * differs between systems, and common/ has no #ifdefs).
	 */
	int	(*peer_cred)(int, uid_t *, gid_t *, pid_t *);
	/*
	 * The metrics file's writer, as state_open and state_close are the
	 * state file's (optional; without it the core writes through a
	 * descriptor of the file's directory opened at start).
	 */
	int	(*metrics_open)(struct mxd *, char *, size_t);
	int	(*metrics_close)(struct mxd *, bool, char *, size_t);
	/*
	 * The allow list changed (loaded, reloaded, a name resolved):
	 * d->allow is the new one (optional).
	 */
	void	(*allow_changed)(struct mxd *);
	/*
	 * A socket to the sync server, connected or connecting, with its
	 * send and receive timeouts set, for a port whose daemon may not
	 * open one itself (pf's confined engine: its parent does); -1 with
	 * err set.  Optional: without it, the sync thread connects.
	 */
	int	(*sync_connect)(struct mxd *, char *, size_t);
};

struct mxd {
	const struct mx_port	*port;
	void			*port_state;
	struct mx_config	 cmdline;	/* kept for SIGHUP */
	struct mx_config	 cfg;		/* in force */
	struct whitelist	*wl;
	struct resolver		*resolver;	/* NULL: no rDNS siblings */
	/*
	 * -1 (mxd_main's default): the resolver's threads run in this
	 * process.  A port whose lookups run in a resolver process sets the
	 * socket to it here, and every resolver the core makes, at start and
	 * on reload, is a client on it (resolver_connect()).  The socket
	 * stays the port's.
	 */
	int			 resolver_remote_fd;
	int			 names_remote_fd;	/* allow's names, likewise */
	uint64_t		 resolver_seed;	/* read at start, for reloads too */
	struct mx_policy	 policy;
	struct mx_stats		 stats;
	const char		*progname;
	int64_t			 next_save;	/* of the state file */
	bool			 saves_state;	/* state file on, and writable */
	bool			 state_dir_made; /* by us, this run */
	int			 state_dirfd;	/* kept open across a chroot */
	char			*state_path;	/* as at start: reloads keep it */
	const char		*state_name;	/* its last part */
	char			*pidfile_path;	/* likewise */
	int			 pidfile_fd;	/* locked while we run; -1 */
	bool			 config_existed; /* the config file, at start */
	struct control		*control;	/* the socket; NULL: none */
	int64_t			 started;	/* mxd_now() at start */
	struct report		*report;	/* show blocked, suspects */
	char			*metrics_path;	/* as at start; NULL: none */
	const char		*metrics_name;	/* its last part */
	int			 metrics_dirfd;	/* kept open across a chroot */
	bool			 saves_metrics;	/* metrics file on, writable */
	struct mx_allow		*allow;		/* the allow list in force */
	struct allow_resolve	*allow_res;	/* its names, being resolved */
	int64_t			 allow_next;	/* when to resolve them again */
	struct whitelist	*observed;	/* observe: senders logged */
	/* Sharing the whitelist (daemon_sync.c); sync NULL: not shared. */
	struct sync		*sync;
	struct whitelist	*shared;	/* expiry the others know */
	uint64_t		 sync_connections; /* seen by the loop */
	bool			 sync_behind;	/* some entries not sent */
	int64_t			 sync_next_catchup;
	char			*sync_gate;	/* this gate's name */
	struct fakemx		*fakemx;	/* fake-answer 421/450; NULL */
	struct tried		*tried;		/* who the fake MX answered */
};

extern uint16_t	mxd_fake_port;

bool		mxd_configure(struct mxd *, const struct mx_port *, int,
		    char **, int *);
int		mxd_run(struct mxd *);
int		mxd_reload(struct mxd *, char *, size_t);
void		mxd_control_open(struct mxd *);
int		mxd_control(void *, const char *, size_t, struct ctl_out *,
		    char *, size_t);
int64_t		mxd_now(void);
uint64_t	mxd_allow_entries(const struct mxd *);
enum log_level	mxd_log_level(const struct mx_config *);
void		mxd_signal_fds(int [2]);
void		mxd_signals_from(pid_t);
bool		mxd_decidable(struct mxd *, enum pkt_result);
enum mx_action	mxd_decide(struct mxd *, const struct pkt_info *, int64_t);
void		mxd_find_siblings(struct mxd *, enum mx_action,
		    const struct mx_addr *, int64_t);
enum mx_action	mxd_decide_pf(struct mxd *, const struct pflog_info *,
		    const struct pkt_info *, int64_t);
uint64_t	mxd_random_seed(void);
bool		mxd_state_enabled(const struct mx_config *);
void		mxd_state_load(struct mxd *);
void		mxd_state_save(struct mxd *);
void		mxd_readback(struct mxd *);
bool		mxd_metrics_enabled(const struct mx_config *);
void		mxd_metrics_open(struct mxd *);
void		mxd_metrics_save(struct mxd *);
int		mxd_init_core(struct mxd *, uint64_t);
void		mxd_point_policy(struct mxd *);
void		mxd_resolver_start(struct mxd *);
void		mxd_resolver_collect(struct mxd *, int64_t);
int		mxd_allow_load(struct mxd *);
void		mxd_allow_tick(struct mxd *, int64_t);
void		mxd_allow_free(struct mxd *);
int		mxd_sync_check(const struct mx_config *, char *, size_t);
void		mxd_sync_start(struct mxd *);
void		mxd_sync_stop(struct mxd *);
bool		mxd_sync_changed(const struct mx_config *,
		    const struct mx_config *);
void		mxd_sync_reloaded(struct mxd *, bool);
int		mxd_sync_fd(const struct mxd *);
void		mxd_sync_input(struct mxd *, int64_t, bool);
void		mxd_sync_note(struct mxd *, const struct mx_addr *, int64_t);
void		mxd_sync_deleted(struct mxd *, const struct mx_addr *);
size_t		mxd_sync_apply(struct mxd *, const struct sync_event *, size_t,
		    int64_t);
void		mxd_fakemx_open(struct mxd *, uint16_t);

#endif
