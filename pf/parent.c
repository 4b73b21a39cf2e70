/*
 * The pf port's privileged parent (see the design at the top of
 * privsep.c).  It is the process the pidfile names and the service
 * scripts signal.  It keeps /dev/pf, the configuration file, the pidfile
 * and the state file's directory, and does four things:
 *
 *  - serves the engine's requests (table changes, the state file, the
 *    configuration file, a table move), checked field by field;
 *  - SIGHUP: reads the configuration file and its allow-file, checks
 *    them, and only if they are good passes the reload on to the engine
 *    (SIGHUP), which asks for both files through the channel and gets
 *    the descriptors read here; a broken file is logged and the old
 *    configuration stays.  A reload the engine starts itself (the
 *    control socket's) is checked the same way when it asks;
 *  - SIGUSR1 goes on to the engine (statistics); SIGTERM and SIGINT ask
 *    the engine to finish, and the parent keeps serving it while it
 *    writes the state file, until it is gone;
 *  - a child that dies takes the daemon down: the resolver's death stops
 *    the engine cleanly, the engine's end stops the resolver.  The table
 *    keeps its entries (persist) for the next start to adopt.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "parent.h"

#define CHILD_EXIT_WAIT	50	/* tenths of a second */
#define STOP_WAIT	30	/* seconds the engine has to finish */

static volatile sig_atomic_t	got_hup, got_usr1, got_term, got_chld;
static int			wake[2] = { -1, -1 };

static void
on_signal(int sig)
{
	int saved_errno = errno;
	char c = 0;

	switch (sig) {
	case SIGHUP:
		got_hup = 1;
		break;
	case SIGUSR1:
		got_usr1 = 1;
		break;
	case SIGCHLD:
		got_chld = 1;
		break;
	default:
		got_term = 1;
		break;
	}
	(void)!write(wake[1], &c, 1);
	errno = saved_errno;
}

static void
parent_signals(void)
{
	static const int sigs[] = { SIGHUP, SIGUSR1, SIGTERM, SIGINT,
	    SIGCHLD };
	struct sigaction sa;
	sigset_t set;
	size_t i;

	if (pipe(wake) == -1)
		fatal("parent: pipe");
	for (i = 0; i < 2; i++)
		if (fcntl(wake[i], F_SETFL, O_NONBLOCK) == -1 ||
		    fcntl(wake[i], F_SETFD, FD_CLOEXEC) == -1)
			fatal("parent: fcntl");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigemptyset(&set);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (sigaction(sigs[i], &sa, NULL) == -1)
			fatal("parent: sigaction");
		sigaddset(&set, sigs[i]);
	}
	signal(SIGPIPE, SIG_IGN);
	/* Held since the split (port.c): now they come here. */
	if (sigprocmask(SIG_UNBLOCK, &set, NULL) == -1)
		fatal("parent: sigprocmask");
}

static const char *
child_name(const struct parent *p, pid_t pid)
{
	return pid == p->engine ? "engine" : "resolver";
}

static void
log_exit(const char *name, int status)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		log_info("%s process exited", name);
	else if (WIFEXITED(status))
		log_warnx("%s process exited with status %d", name,
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		log_warnx("%s process killed by signal %d", name,
		    WTERMSIG(status));
}

/*
 * Collect the children that have ended.  The resolver's end takes the
 * engine down too: the whitelist would go on without siblings otherwise,
 * quietly.
 */
static void
reap(struct parent *p)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != p->engine && pid != p->resolver)
			continue;
		log_exit(child_name(p, pid), status);
		if (pid == p->engine) {
			p->engine = -1;
			p->engine_status = status;
		} else {
			p->resolver = -1;
			if (!p->stopping)
				p->failed = true;
			if (p->engine != -1 && !p->stopping) {
				log_warnx("stopping: the resolver process is "
				    "gone");
				kill(p->engine, SIGTERM);
				p->stopping = true;
			}
		}
	}
}

/* What config_load_streams()'s opener in the parent did. */
struct allow_opened {
	int		 fd;		/* kept for the engine; or -1 */
	int		 error;		/* why it could not (errno); or 0 */
	const char	*fixed;		/* the only one it may; NULL: any */
};

/*
 * config_load_streams()'s opener in the parent: the allow-file the new
 * configuration names, opened here; one descriptor is kept to go to the
 * engine, which reads what was checked here.
 */
static FILE *
open_allow(void *arg, const char *path, char *err, size_t errlen)
{
	struct allow_opened *ao = arg;
	int fd, copy = -1;
	FILE *fp = NULL;

	/* unveil(2) hides every other file: say why, not "no such file". */
	if (ao->fixed != NULL && strcmp(path, ao->fixed) != 0) {
		ao->error = ENOTSUP;
		if (ao->fixed[0] == '\0')
			seterr(err, errlen, "%s: no allow-file was named at "
			    "start: restart to name one", path);
		else
			seterr(err, errlen, "%s: only %s, the allow-file "
			    "named at start, can be read: restart to name "
			    "another", path, ao->fixed);
		return NULL;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    (copy = dup(fd)) == -1 || (fp = fdopen(copy, "r")) == NULL) {
		ao->error = errno;
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		if (copy != -1)
			close(copy);
		if (fd != -1)
			close(fd);
		return NULL;
	}
	if (ao->fd >= 0)
		close(ao->fd);
	ao->fd = fd;
	ao->error = 0;
	return fp;
}

/*
 * Open the configuration file and check it.  The descriptor (or, for a
 * default file that does not exist, PRIVSEP_CONFIG_NONE; or, when it
 * cannot be opened, PRIVSEP_CONFIG_BY_PATH) goes to the engine, so that
 * what it applies is what was checked here even if the file changes in
 * between; the allow-file's likewise.  On failure the caller decides
 * what becomes of them.
 */
static int
read_config(struct parent *p, struct mx_config *next, int *fd,
    struct allow_opened *ao, char *err, size_t errlen)
{
	const char *path = config_path(&p->d->cmdline);
	FILE *fp = NULL;
	int copy, rc;

	ao->fd = -1;
	ao->error = 0;
	ao->fixed = p->allow_fixed;
	if ((*fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno != ENOENT || p->srv.config_required) {
			seterr(err, errlen, "%s: %s", path, strerror(errno));
			*fd = PRIVSEP_CONFIG_BY_PATH;
			return -1;
		}
		*fd = PRIVSEP_CONFIG_NONE;
	} else if ((copy = dup(*fd)) == -1 ||
	    (fp = fdopen(copy, "r")) == NULL) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		if (copy != -1)
			close(copy);
		close(*fd);
		*fd = PRIVSEP_CONFIG_BY_PATH;
		return -1;
	}
	rc = config_load_streams(next, &p->d->cmdline, fp, p->d->port->id,
	    open_allow, ao, err, errlen);
	if (fp != NULL)
		fclose(fp);
	return rc;
}

/* What read_config() opened, for nobody. */
static void
discard(int fd, struct allow_opened *ao)
{
	if (fd >= 0)
		close(fd);
	if (ao->fd >= 0)
		close(ao->fd);
	ao->fd = -1;
}

/* What read_config() opened, for the engine's next reload. */
static void
hand_over(struct parent *p, int fd, const struct allow_opened *ao)
{
	if (p->srv.config_fd >= 0)
		close(p->srv.config_fd);
	p->srv.config_fd = fd;
	if (p->srv.allow_fd >= 0)
		close(p->srv.allow_fd);
	p->srv.allow_fd = ao->fd;
	p->srv.allow_error = ao->error;
}

/*
 * A checked configuration becomes the parent's.  Options that only a
 * restart can change are named; a renamed table becomes the one table
 * the engine may move its entries to.
 */
static void
apply(struct parent *p, struct mx_config *next)
{
	struct mx_config *cur = &p->d->cfg;

	if (strcmp(next->pflog_interface, cur->pflog_interface) != 0 ||
	    strcmp(next->pcap_filter, cur->pcap_filter) != 0 ||
	    strcmp(next->user, cur->user) != 0)
		log_warnx("pflog-interface, pcap-filter and user changes need "
		    "a restart: still %s, \"%s\", %s", cur->pflog_interface,
		    cur->pcap_filter, cur->user);
	if (strcmp(next->table, p->srv.table) != 0)
		snprintf(p->srv.next_table, sizeof(p->srv.next_table), "%s",
		    next->table);
	else
		p->srv.next_table[0] = '\0';
	log_set_level(mxd_log_level(next));
	/*
	 * Those that need a restart stay as they were started (the state
	 * file's writer holds on to its path).
	 */
	free(next->pflog_interface);
	free(next->pcap_filter);
	free(next->user);
	free(next->state_file);
	free(next->metrics_file);
	next->pflog_interface = cur->pflog_interface;
	next->pcap_filter = cur->pcap_filter;
	next->user = cur->user;
	next->state_file = cur->state_file;
	next->metrics_file = cur->metrics_file;
	cur->metrics_file = NULL;
	cur->pflog_interface = cur->pcap_filter = cur->user = NULL;
	cur->state_file = NULL;
	config_free(cur);
	*cur = *next;
}

/* SIGHUP: check the files before the engine sees them. */
static void
reload(struct parent *p)
{
	struct mx_config next;
	struct allow_opened ao;
	char err[512];
	int fd;

	if (read_config(p, &next, &fd, &ao, err, sizeof(err)) == -1) {
		log_warnx("reload failed, configuration unchanged: %s", err);
		discard(fd, &ao);
		return;
	}
	/* What the engine reads next is this very file, checked. */
	hand_over(p, fd, &ao);
	apply(p, &next);
	if (p->engine != -1)
		kill(p->engine, SIGHUP);
}

/*
 * A reload the engine asks for itself (the control socket's reload),
 * from privsep_serve_one(): the same check, without the signal.  A file
 * that fails it goes to the engine all the same, which reads the same
 * bytes, finds the same error and reports it, with its file and line, to
 * the one who asked; its old configuration stays, and so does ours.
 */
static void
check_for_engine(void *arg)
{
	struct parent *p = arg;
	struct mx_config next;
	struct allow_opened ao;
	char err[512];
	int fd;

	if (read_config(p, &next, &fd, &ao, err, sizeof(err)) == -1) {
		log_debug("reload asked by the engine: %s", err);
		hand_over(p, fd, &ao);
		return;
	}
	hand_over(p, fd, &ao);
	apply(p, &next);
}

static void
handle_signals(struct parent *p)
{
	char buf[64];

	while (read(wake[0], buf, sizeof(buf)) > 0)
		;
	if (got_chld) {
		got_chld = 0;
		reap(p);
	}
	if (got_term) {
		got_term = 0;
		if (p->engine != -1 && !p->stopping)
			kill(p->engine, SIGTERM);
		p->stopping = true;
	}
	if (got_usr1) {
		got_usr1 = 0;
		if (p->engine != -1)
			kill(p->engine, SIGUSR1);
	}
	if (got_hup) {
		got_hup = 0;
		if (!p->stopping)
			reload(p);
	}
}

/* waitpid() for at most tenths/10 s; true if it ended. */
static bool
wait_child(pid_t pid, int *status, int tenths)
{
	for (;;) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return true;
		if (tenths-- <= 0)
			return false;
		usleep(100000);
	}
}

/*
 * A child that should be ending: give it grace tenths of a second, then
 * sig (quietly: we sent it), then SIGKILL.
 */
static void
finish_child(struct parent *p, pid_t *pid, int grace, int sig)
{
	const char *name = child_name(p, *pid);
	int status;

	if (*pid == -1)
		return;
	if (!wait_child(*pid, &status, grace)) {
		kill(*pid, sig);
		if (!wait_child(*pid, &status, CHILD_EXIT_WAIT)) {
			log_warnx("%s process did not exit: killed", name);
			kill(*pid, SIGKILL);
			(void)waitpid(*pid, &status, 0);
		}
	}
	if (WIFSIGNALED(status) && WTERMSIG(status) == sig)
		log_info("%s process stopped", name);
	else
		log_exit(name, status);
	if (*pid == p->engine)
		p->engine_status = status;
	*pid = -1;
}

/* The children's log lines, to syslog: see log_forward(). */
static void
relay_logs(struct parent *p)
{
	static struct log_ratelimit rl;
	unsigned long refused = 0;

	if (p->logfd == -1)
		return;
	(void)log_relay(p->logfd, &refused);
	if (refused > 0)
		log_warn_limited(&rl, mxd_now(), "%lu malformed log lines "
		    "from a child refused", refused);
}

/*
 * The parent's loop, until the engine is gone.  Returns the daemon's exit
 * status: 0 if the engine ended cleanly, 1 otherwise.
 */
int
parent_run(struct parent *p)
{
	struct pollfd pfd[3];
	int64_t stop_by = 0;
	int rc = 1, n;

	parent_signals();
	p->engine_status = 0;
	p->srv.check = check_for_engine;
	p->srv.check_arg = p;
	pfd[0].fd = p->srv.sock;
	pfd[0].events = POLLIN;
	pfd[1].fd = wake[0];
	pfd[1].events = POLLIN;
	pfd[2].fd = p->logfd;
	pfd[2].events = POLLIN;
	/* A signal before the handlers were in place. */
	reap(p);
	for (;;) {
		/* Once stopping, the engine has STOP_WAIT to save and go. */
		if (p->stopping && stop_by == 0)
			stop_by = mxd_now() + STOP_WAIT;
		if ((n = poll(pfd, 3, stop_by == 0 ? -1 : 1000)) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("parent: poll");
			break;
		}
		if (n == 0 && mxd_now() >= stop_by) {
			log_warnx("engine process did not finish in %d s",
			    STOP_WAIT);
			break;
		}
		/* The children's lines first: they may say why they end. */
		if (pfd[2].revents & POLLIN)
			relay_logs(p);
		if (pfd[1].revents & POLLIN)
			handle_signals(p);
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			/* 0: the engine closed its end, it is ending. */
			if ((rc = privsep_serve_one(&p->srv)) != 1)
				break;
		}
	}
	/*
	 * The engine closed its end (0) and is ending by itself; or the
	 * channel failed and it is told to.  The resolver ends when the
	 * engine's end of its socket closes, unless a lookup holds it up:
	 * it has nothing to save.
	 */
	finish_child(p, &p->engine, rc == 0 ? CHILD_EXIT_WAIT : 0, SIGTERM);
	finish_child(p, &p->resolver, 10, SIGTERM);
	relay_logs(p);
	if (!p->failed && WIFEXITED(p->engine_status) &&
	    WEXITSTATUS(p->engine_status) == 0)
		return 0;
	return 1;
}
