/*
 * Privilege separation for the pf port: three processes, in the manner of
 * OpenBSD's ntpd.
 *
 * The daemon parses packets that anybody on the internet can send, so the
 * process that does it should hold as little as possible.  What it needs
 * after start-up is the capture descriptor, a way to change one pf table,
 * and somebody to look names up for it.
 *
 *   start-up, root (port.c, before and after daemon(3)): open the pflog
 *	capture and /dev/pf (read-write), create the table, read pf's
 *	limits, adopt the table's entries; the core reads the state file,
 *	daemonizes and writes the pidfile.  Then the process splits
 *	(port.c's split()): fork() happens only here, in a process without
 *	threads.
 *
 *   parent [priv] (parent.c): the process the pidfile names.  Root; keeps
 *	/dev/pf, the configuration file, the pidfile and the state file's
 *	directory, and serves the engine's requests over a SOCK_SEQPACKET
 *	socketpair, one at a time: create the table, add and delete
 *	addresses (the configured table only), write the state file
 *	(statefile.c: a new temporary file whose descriptor goes to the
 *	engine with the answer, then kept by rename, or removed), open the
 *	configuration file read-only for a reload, give the allow-file it
 *	read and checked with it on SIGHUP (ALLOW_OPEN: that descriptor,
 *	once; the engine names no file), move the entries to
 *	a renamed table (only to the name of the configuration the parent
 *	read and checked itself), and open a socket to the sync server
 *	(SYNC_CONNECT: only to the one of the configuration it read at
 *	start, resolved then, without waiting for the connection, with
 *	2-second send and receive timeouts; the engine's sync thread waits
 *	and speaks Redis on it, for a process that may open no socket).  privsep_check_request() refuses anything
 *	else: unknown operations, lengths that do not match the count, more
 *	than PFT_BATCH addresses, another table, names that are not
 *	NUL-terminated and zero-padded, unknown families, empty or overlong
 *	prefixes, bits set past the prefix or in padding; it answers EPERM
 *	and logs.  pfk_exec() checks again before the ioctl.  Signals come
 *	here: SIGHUP is checked (the file is read and validated) before the
 *	engine is told; SIGUSR1, SIGTERM and SIGINT go on to the engine.
 *	A child that dies takes the others down, logged; the table keeps
 *	its entries.  At the end the parent removes the pidfile.
 *	- OpenBSD: unveil() leaves it the pidfile ("c"), the configuration
 *	  file and the allow-file named at start ("r") and the state file's
 *	  directory ("rwc").  It is NOT
 *	  pledged: pledge("pf") allows DIOCRADDTABLES and DIOCRSETADDRS
 *	  but neither DIOCRADDADDRS nor DIOCRDELADDRS, and no other promise
 *	  allows pf ioctls at all, so any pledge would kill it at its first
 *	  addition.  Replacing the whole table with DIOCRSETADDRS at every
 *	  change would fit pledge("stdio pf"), but costs O(table size) per
 *	  batch (up to max-entries addresses, 100000 by default, copied into
 *	  the kernel for every fake-MX hit): not affordable during a flood.
 *	- FreeBSD: no capability mode: it reads the configuration file by
 *	  its name at every reload.
 *	Its attack surface is the fixed-format request, checked field by
 *	field.
 *
 *   engine: the capture, the whitelist, the policy, the core's event
 *	loop.  Always confined, with or without reverse DNS
 *	(privsep_drop()): chroot to the home of the `user' option's user if
 *	that is a root-owned directory nobody else may write, else to
 *	/var/empty; setgroups(), setresgid(), setresuid() to that user;
 *	RLIMIT_FSIZE to the largest state file max-entries can make, all it
 *	ever writes.  OpenBSD: unveil("/", ""), then pledge("stdio bpf
 *	recvfd") ("bpf" for BIOCGSTATS, the capture's drop counter;
 *	"recvfd" for the state and configuration files' descriptors), with
 *	"unix" for the control socket and "inet" for the answering fake
 *	MX's listeners (fake-answer 421, 450), bound on port 25 by root
 *	before the split and kept by the engine alone: it owns the
 *	whitelist, and answers a peer only once the parent has put the
 *	peer's entry in the table.
 *	FreeBSD: every descriptor it keeps is limited first (the capture to
 *	read, wait and the one ioctl BIOCGSTATS; sockets and the signal
 *	pipe to read, write and wait; standard output and error to write),
 *	then cap_enter().  It holds no pidfile and no /dev/pf.  It asks the
 *	parent for every table change and waits for the answer: one context
 *	switch away, once per captured batch.  If the parent is gone, the
 *	engine cannot change the table any more and exits.
 *
 *   resolver: the reverse and forward lookups of reverse-DNS whitelisting
 *	(resolver.c's threads and cache, served by resolver_serve() over a
 *	socketpair to the engine; the messages are checked both ways, see
 *	resolver_msg.h), and the allow list's host names over a second
 *	socketpair, answered by a thread of their own (resolver_names_*())
 *	to the engine's allow thread, which waits for them off the decision
 *	path.  The user, no root; OpenBSD: unveil() of
 *	/etc/resolv.conf and /etc/hosts, read-only, and pledge("stdio
 *	dns"); FreeBSD: only the user, as the system resolver opens files
 *	and sockets as it goes.
 *
 * Without confinement (pf_port_no_privsep(): the unit tests on Linux) the
 * port runs in one process; the channel, the checks and the parent are
 * tested on their own there.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef __FreeBSD__
#include <sys/capsicum.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <net/bpf.h>
#include <netinet/in.h>
#include <net/pfvar.h>
#endif

#if defined(PFCOMPAT_CAPSICUM) && !defined(__FreeBSD__)
#include <sys/capsicum.h>		/* tests/pfcompat/freebsd's */
#endif

#include "control.h"
#include "daemon.h"
#include "log.h"
#include "path.h"
#include "privsep.h"
#include "sync_event.h"
#include "table.h"

struct privsep {
	int	fd;
	char	table[PFT_NAME_SIZE];	/* for the state file's requests */
};

/*
 * Is this a request the parent may carry out?  Returns 0, or -1 with the
 * reason in why.  buf holds len bytes as received, suitably aligned.
 */
int
privsep_check_request(const void *buf, size_t len, const char *table,
    char *why, size_t whylen)
{
	const struct pft_request *req = buf;
	size_t i;

	if (len < offsetof(struct pft_request, addrs)) {
		snprintf(why, whylen, "short request (%zu bytes)", len);
		return -1;
	}
	if (len > sizeof(*req)) {
		snprintf(why, whylen, "long request (%zu bytes)", len);
		return -1;
	}
	switch (req->op) {
	case PFT_OP_ADDTABLE:
	case PFT_OP_ADD:
	case PFT_OP_DEL:
	case PRIVSEP_OP_STATE_OPEN:
	case PRIVSEP_OP_STATE_KEEP:
	case PRIVSEP_OP_STATE_DISCARD:
	case PRIVSEP_OP_CONFIG_OPEN:
	case PRIVSEP_OP_TABLE_MOVE:
	case PRIVSEP_OP_METRICS_OPEN:
	case PRIVSEP_OP_METRICS_KEEP:
	case PRIVSEP_OP_METRICS_DISCARD:
	case PRIVSEP_OP_ALLOW_OPEN:
	case PRIVSEP_OP_SYNC_CONNECT:
		break;
	default:
		snprintf(why, whylen, "unknown operation %u", req->op);
		return -1;
	}
	if (req->count > PFT_BATCH) {
		snprintf(why, whylen, "%u addresses, more than %d", req->count,
		    PFT_BATCH);
		return -1;
	}
	if (len != PFT_REQUEST_SIZE(req->count)) {
		snprintf(why, whylen, "%zu bytes for %u addresses", len,
		    req->count);
		return -1;
	}
	/* Only additions and deletions carry addresses, and always some. */
	if ((req->op == PFT_OP_ADD || req->op == PFT_OP_DEL) !=
	    (req->count != 0)) {
		snprintf(why, whylen, "%u addresses for operation %u",
		    req->count, req->op);
		return -1;
	}
	if (!pft_name_valid(req->table)) {
		snprintf(why, whylen, "table name empty, not terminated or "
		    "not zero-padded");
		return -1;
	}
	/* A move names its target, which the server checks itself. */
	if (req->op != PRIVSEP_OP_TABLE_MOVE && strcmp(req->table, table) != 0) {
		snprintf(why, whylen, "table <%s>, not <%s>", req->table,
		    table);
		return -1;
	}
	for (i = 0; i < req->count; i++) {
		if (!pft_addr_valid(&req->addrs[i])) {
			snprintf(why, whylen, "address %zu malformed "
			    "(family %u, prefix %u)", i, req->addrs[i].af,
			    req->addrs[i].net);
			return -1;
		}
	}
	return 0;
}

/*
 * Answer, with a descriptor (SCM_RIGHTS) unless fd is -1.  Returns 0, or
 * -1 if the socket failed.
 */
static int
send_reply(int sock, const struct privsep_reply *rep, int fd)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cmsg;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *c;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)rep;
	iov.iov_len = sizeof(*rep);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (fd != -1) {
		memset(&cmsg, 0, sizeof(cmsg));
		msg.msg_control = cmsg.buf;
		msg.msg_controllen = sizeof(cmsg.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	/*
	 * Never blocking: the engine reads every answer before it asks
	 * again, so a full socket means it does not, and it is not waited
	 * for.
	 */
	while (sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) == -1) {
		if (errno == EINTR)
			continue;
		log_warn("privsep: send");
		return -1;
	}
	return 0;
}

/*
 * The temporary state file for the parent, write-only.  Returns its
 * descriptor, or -1 with the errno value in *error.
 */
static int
state_open(struct state_writer *sw, int32_t *error)
{
	int fd;

	if (sw == NULL || (fd = state_writer_open(sw)) == -1) {
		*error = sw == NULL ? ENOENT : errno;
		return -1;
	}
#ifdef __FreeBSD__
	{
		cap_rights_t rights;

		cap_rights_init(&rights, CAP_WRITE, CAP_FSYNC);
		if (cap_rights_limit(fd, &rights) == -1) {
			*error = errno;
			close(fd);
			(void)state_writer_close(sw, false);
			return -1;
		}
	}
#endif
	return fd;
}

/*
 * A file handed to the engine to read: on FreeBSD limited to reading
 * (and what stdio does with it).  Returns fd, or -1 with *error set and
 * fd closed.
 */
static int
reading_only(int fd, int32_t *error)
{
#ifdef __FreeBSD__
	cap_rights_t rights;

	cap_rights_init(&rights, CAP_READ, CAP_SEEK, CAP_FSTAT, CAP_FCNTL);
	if (cap_rights_limit(fd, &rights) == -1) {
		*error = errno;
		close(fd);
		return -1;
	}
#else
	(void)error;
#endif
	return fd;
}

/*
 * The configuration file for the engine's reload, read-only.  A default
 * file that does not exist is ENOENT, which the engine takes as "no
 * file"; a missing file named with -c is an error like any other.
 */
static int
config_open(struct privsep_server *srv, int32_t *error)
{
	int fd;

	if (srv->config_path == NULL) {
		*error = EPERM;
		return -1;
	}
	/*
	 * The file the parent read and checked on SIGHUP, if it did; if
	 * not (a reload by the control socket), it does so now.
	 */
	if (srv->config_fd == PRIVSEP_CONFIG_BY_PATH && srv->check != NULL)
		srv->check(srv->check_arg);
	fd = srv->config_fd;
	srv->config_fd = PRIVSEP_CONFIG_BY_PATH;
	/* Not checked: neither is an allow-file it names. */
	if (fd == PRIVSEP_CONFIG_BY_PATH) {
		if (srv->allow_fd >= 0)
			close(srv->allow_fd);
		srv->allow_fd = -1;
		srv->allow_error = 0;
	}
	if (fd == PRIVSEP_CONFIG_NONE) {
		*error = ENOENT;
		return -1;
	}
	if (fd >= 0 && lseek(fd, 0, SEEK_SET) == -1) {
		*error = errno;
		close(fd);
		return -1;
	}
	if (fd < 0 && (fd = open(srv->config_path, O_RDONLY | O_CLOEXEC)) ==
	    -1) {
		*error = errno == ENOENT && srv->config_required ? EIO : errno;
		return -1;
	}
	return reading_only(fd, error);
}

/*
 * The allow-file for the engine's reload, read-only: only the one the
 * parent opened with the configuration file it checked, once (or why it
 * could not).  The engine never names a file: it cannot have the parent
 * open another.
 */
static int
allow_open(struct privsep_server *srv, int32_t *error)
{
	int fd = srv->allow_fd;

	srv->allow_fd = -1;
	if (fd < 0) {
		*error = srv->allow_error != 0 ? srv->allow_error : EPERM;
		srv->allow_error = 0;
		return -1;
	}
	if (lseek(fd, 0, SEEK_SET) == -1) {
		*error = errno;
		close(fd);
		return -1;
	}
	return reading_only(fd, error);
}

/* One batch of addresses to a table, as pfk_exec() takes it. */
static int
move_batch(int pffd, uint32_t op, const char *table,
    const struct pft_astat *entries, size_t n)
{
	struct pft_request req;
	size_t i;
	int changed;

	memset(&req, 0, sizeof(req));
	req.op = op;
	memcpy(req.table, table, strlen(table));
	req.count = (uint32_t)n;
	for (i = 0; i < n; i++)
		req.addrs[i] = entries[i].a;
	return pfk_exec(pffd, &req, &changed);
}

/*
 * A reload renamed the table: create the new one, copy every entry of the
 * old one there, and empty the old one.  Returns 0 or an errno value;
 * moved gets the entries moved.
 */
int
privsep_move_entries(int pffd, const char *from, const char *to,
    uint64_t request_max, size_t *moved)
{
	struct pft_request req;
	struct pft_astat *entries = NULL;
	size_t n = 0, i, kept = 0, batch;
	int err, made;

	*moved = 0;
	memset(&req, 0, sizeof(req));
	req.op = PFT_OP_ADDTABLE;
	memcpy(req.table, to, strlen(to));
	if ((err = pfk_exec(pffd, &req, &made)) != 0)
		return err;
	err = pfk_get_astats(pffd, from, request_max, &entries, &n);
	if (err == ESRCH)
		err = 0;	/* gone already: nothing to move */
	/* An administrator's "!address" is not ours to carry over. */
	for (i = kept = 0; err == 0 && i < n; i++)
		if (!entries[i].negated)
			entries[kept++] = entries[i];
	batch = PFT_BATCH;
	if (request_max != 0 && request_max < batch)
		batch = (size_t)request_max;
	/*
	 * Batch by batch, each added to the new table and then taken from
	 * the old one: pf never holds more than one batch twice, which
	 * stays within the room OpenBSD's table-entries limit leaves
	 * (pfk_limits), where an addition past it would wait.
	 */
	for (i = 0; err == 0 && i < kept; i += batch) {
		size_t len = kept - i < batch ? kept - i : batch;

		if ((err = move_batch(pffd, PFT_OP_ADD, to, entries + i,
		    len)) == 0)
			err = move_batch(pffd, PFT_OP_DEL, from, entries + i,
			    len);
	}
	free(entries);
	if (err == 0)
		*moved = kept;
	return err;
}

/*
 * The move, for the engine: only to the table of the configuration the
 * parent itself read and checked (next_table); from then on, only that
 * table is changed.
 */
static int32_t
move_table(struct privsep_server *srv, const char *to, int32_t *changed)
{
	size_t moved;
	int err;

	if (srv->next_table[0] == '\0' || strcmp(to, srv->next_table) != 0)
		return EPERM;
	if ((err = privsep_move_entries(srv->pffd, srv->table, to,
	    srv->request_max, &moved)) != 0)
		return err;
	log_info("pf table <%s>: %zu entries moved to <%s>", srv->table,
	    moved, to);
	snprintf(srv->table, sizeof(srv->table), "%s", to);
	srv->next_table[0] = '\0';
	*changed = moved > INT32_MAX ? INT32_MAX : (int32_t)moved;
	return 0;
}

/* Carry out a checked request; fd gets a descriptor to send, or -1. */
static void
serve_request(struct privsep_server *srv, const struct pft_request *req,
    struct privsep_reply *rep, int *fd)
{
	int changed;

	*fd = -1;
	switch (req->op) {
	case PRIVSEP_OP_STATE_OPEN:
		*fd = state_open(srv->sw, &rep->error);
		break;
	case PRIVSEP_OP_STATE_KEEP:
	case PRIVSEP_OP_STATE_DISCARD:
		rep->error = srv->sw == NULL ? ENOENT :
		    state_writer_close(srv->sw,
		    req->op == PRIVSEP_OP_STATE_KEEP);
		break;
	case PRIVSEP_OP_CONFIG_OPEN:
		*fd = config_open(srv, &rep->error);
		break;
	case PRIVSEP_OP_ALLOW_OPEN:
		*fd = allow_open(srv, &rep->error);
		break;
	case PRIVSEP_OP_METRICS_OPEN:
		*fd = state_open(srv->mw, &rep->error);
		break;
	case PRIVSEP_OP_METRICS_KEEP:
	case PRIVSEP_OP_METRICS_DISCARD:
		rep->error = srv->mw == NULL ? ENOENT :
		    state_writer_close(srv->mw,
		    req->op == PRIVSEP_OP_METRICS_KEEP);
		break;
	case PRIVSEP_OP_TABLE_MOVE:
		rep->error = move_table(srv, req->table, &rep->changed);
		break;
	case PRIVSEP_OP_SYNC_CONNECT:
		*fd = sync_target_dial(&srv->sync, &rep->error);
		break;
	default:
		rep->error = pfk_exec(srv->pffd, req, &changed);
		rep->changed = changed;
		break;
	}
}

void
privsep_server_init(struct privsep_server *srv, int sock, int pffd,
    const char *table)
{
	memset(srv, 0, sizeof(*srv));
	srv->sock = sock;
	srv->pffd = pffd;
	srv->config_fd = PRIVSEP_CONFIG_BY_PATH;
	srv->allow_fd = -1;
	snprintf(srv->table, sizeof(srv->table), "%s", table);
}

/*
 * Receive one request and answer it.  Returns 1 when one was served (or
 * refused), 0 at the end of the file (the other side is gone), -1 if the
 * socket failed.  Blocks until a request comes: call it when the socket
 * is readable.
 */
int
privsep_serve_one(struct privsep_server *srv)
{
	struct pft_request req;
	struct privsep_reply rep;
	struct msghdr msg;
	struct iovec iov;
	char why[128];
	ssize_t n;
	int fd, rc;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = &req;
	iov.iov_len = sizeof(req);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	while ((n = recvmsg(srv->sock, &msg, 0)) == -1 && errno == EINTR)
		;
	if (n == -1) {
		log_warn("privsep: receive");
		return -1;
	}
	if (n == 0)
		return 0;
	memset(&rep, 0, sizeof(rep));
	fd = -1;
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		log_warn_limited(&srv->warn, mxd_now(), "privsep: request "
		    "refused: oversized or with control data");
		rep.error = EPERM;
	} else if (privsep_check_request(&req, (size_t)n, srv->table, why,
	    sizeof(why)) == -1) {
		log_warn_limited(&srv->warn, mxd_now(), "privsep: request "
		    "refused: %s", why);
		rep.error = EPERM;
	} else
		serve_request(srv, &req, &rep, &fd);
	rc = send_reply(srv->sock, &rep, fd);
	if (fd != -1)
		close(fd);
	return rc == -1 ? -1 : 1;
}

/*
 * A loop of privsep_serve_one(), until the other side closes its end.
 * Returns 0 then, or -1 if the socket failed.  sw may be NULL: no state
 * file.
 */
int
privsep_serve(int sock, int pffd, const char *table, struct state_writer *sw)
{
	struct privsep_server srv;
	int rc;

	privsep_server_init(&srv, sock, pffd, table);
	srv.sw = sw;
	while ((rc = privsep_serve_one(&srv)) == 1)
		;
	return rc;
}

/*
 * The privileged parent of the daemon: on OpenBSD it sees the file system
 * only where it works (the pidfile to remove, the state file's directory,
 * the configuration file to read on reload).  It is not pledged (pledge
 * allows no DIOCRADDADDRS, see above) and on FreeBSD not in capability
 * mode: it reads the configuration file by its name on every reload.
 */
void
privsep_confine_parent(const char *pidfile, const struct state_writer *sw,
    const char *config, const char *state_file, const struct state_writer *mw,
    const char *metrics_file, const char *allow_file, const char *sync_socket)
{
#if defined(__OpenBSD__)
	char dir[1024];

	tzset();	/* syslog's time stamps */
	if (unveil("/", "") == -1)
		fatal("unveil /");
	if (pidfile != NULL && unveil(pidfile, "c") == -1)
		fatal("unveil %s", pidfile);
	if (config != NULL && unveil(config, "r") == -1)
		fatal("unveil %s", config);
	if (allow_file != NULL && unveil(allow_file, "r") == -1)
		fatal("unveil %s", allow_file);
	/* connect(2) to a unix socket needs write permission on it. */
	if (sync_socket != NULL && unveil(sync_socket, "rw") == -1)
		fatal("unveil %s", sync_socket);
	if (sw->dirfd != -1 && path_split(state_file, dir, sizeof(dir)) !=
	    NULL && unveil(dir, "rwc") == -1)
		fatal("unveil %s", dir);
	if (mw->dirfd != -1 && path_split(metrics_file, dir, sizeof(dir)) !=
	    NULL && unveil(dir, "rwc") == -1)
		fatal("unveil %s", dir);
	if (unveil(NULL, NULL) == -1)
		fatal("unveil");
#else
	(void)pidfile;
	(void)sw;
	(void)config;
	(void)state_file;
	(void)mw;
	(void)metrics_file;
	(void)allow_file;
	(void)sync_socket;
#endif
}

/*
 * Send a request and wait for the answer.  fd receives the descriptor the
 * answer carries, or -1; with fd NULL, none may come.  Losing the child is
 * fatal: nothing else can change the table now.
 */
static void
exchange(struct privsep *ps, const struct pft_request *req,
    struct privsep_reply *rep, int *fd)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cmsg;
	size_t len = PFT_REQUEST_SIZE(req->count);
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *c;
	ssize_t n;
	int got = -1;

	while ((n = send(ps->fd, req, len, MSG_NOSIGNAL)) == -1 &&
	    errno == EINTR)
		;
	if (n == -1)
		fatal("privsep: cannot reach the privileged process");
	if ((size_t)n != len)
		fatalx("privsep: request cut short");
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = rep;
	iov.iov_len = sizeof(*rep);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsg.buf;
	msg.msg_controllen = sizeof(cmsg.buf);
	while ((n = recvmsg(ps->fd, &msg, 0)) == -1 && errno == EINTR)
		;
	if (n == -1)
		fatal("privsep: no answer from the privileged process");
	if (n != (ssize_t)sizeof(*rep))
		fatalx("privsep: the privileged process is gone");
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)) && got == -1)
			memcpy(&got, CMSG_DATA(c), sizeof(int));
	/* A descriptor comes with a successful opening, and only then. */
	if ((msg.msg_flags & MSG_CTRUNC) || rep->error < 0 || (fd != NULL ?
	    (rep->error == 0) != (got != -1) : got != -1))
		fatalx("privsep: malformed answer");
	if (fd != NULL)
		*fd = got;
}

/* The table client's pft_exec_fn in the parent: one request, one answer. */
int
privsep_exec(void *arg, const struct pft_request *req, int *changed)
{
	struct privsep_reply rep;

	*changed = 0;
	if (req->count > PFT_BATCH)
		return EINVAL;
	exchange(arg, req, &rep, NULL);
	if (rep.changed < 0 ||
	    rep.changed > (int32_t)(req->count > 0 ? req->count : 1))
		fatalx("privsep: malformed answer");
	*changed = rep.changed;
	return rep.error;
}

/* One state-file request; returns the answer's errno value. */
static int
state_request(struct privsep *ps, uint32_t op, int *fd)
{
	struct pft_request req;
	struct privsep_reply rep;

	memset(&req, 0, sizeof(req));
	req.op = op;
	memcpy(req.table, ps->table, sizeof(req.table));
	exchange(ps, &req, &rep, fd);
	return rep.error;
}

int
privsep_fd(const struct privsep *ps)
{
	return ps->fd;
}

/* The engine's end of a channel that another process serves. */
struct privsep *
privsep_connect(int fd, const char *table)
{
	struct privsep *ps;

	if ((ps = calloc(1, sizeof(*ps))) == NULL)
		fatal("privsep");
	ps->fd = fd;
	snprintf(ps->table, sizeof(ps->table), "%s", table);
	return ps;
}

/*
 * The configuration file, opened by the privileged side: a stream, or
 * NULL with err set, or NULL with err empty when the default file does
 * not exist (required: it was named with -c).
 */
FILE *
privsep_config_open(struct privsep *ps, bool required, char *err,
    size_t errlen)
{
	FILE *fp;
	int fd = -1, error;

	err[0] = '\0';
	error = state_request(ps, PRIVSEP_OP_CONFIG_OPEN, &fd);
	if (error == ENOENT && !required)
		return NULL;
	if (error != 0) {
		seterr(err, errlen, "the configuration file: %s",
		    strerror(error == EIO && required ? ENOENT : error));
		return NULL;
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		seterr(err, errlen, "the configuration file: %s",
		    strerror(errno));
		close(fd);
	}
	return fp;
}

/*
 * The allow-file path names, opened and checked by the privileged side
 * with the configuration file: a stream, or NULL with err set.
 */
FILE *
privsep_allow_open(struct privsep *ps, const char *path, char *err,
    size_t errlen)
{
	FILE *fp;
	int fd = -1, error;

	error = state_request(ps, PRIVSEP_OP_ALLOW_OPEN, &fd);
	if (error == EPERM) {
		seterr(err, errlen, "%s: not read by the privileged process "
		    "(no reload checked it)", path);
		return NULL;
	}
	if (error == ENOTSUP) {
		seterr(err, errlen, "%s: the privileged process may read only "
		    "the allow-file named at start (unveil): restart to name "
		    "another", path);
		return NULL;
	}
	if (error != 0) {
		seterr(err, errlen, "%s: %s", path, strerror(error));
		return NULL;
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
	}
	return fp;
}

/*
 * Move the table's entries to the table name (a reload renamed it) and
 * use that one from now on.  Returns 0 or an errno value.
 */
int
privsep_table_move(struct privsep *ps, const char *name)
{
	struct pft_request req;
	struct privsep_reply rep;

	if (strlen(name) == 0 || strlen(name) >= PFT_NAME_SIZE)
		return EINVAL;
	memset(&req, 0, sizeof(req));
	req.op = PRIVSEP_OP_TABLE_MOVE;
	memcpy(req.table, name, strlen(name));
	exchange(ps, &req, &rep, NULL);
	if (rep.error == 0) {
		/* Zero-padded, as every request's name must be. */
		memset(ps->table, 0, sizeof(ps->table));
		memcpy(ps->table, name, strlen(name));
	}
	return rep.error;
}

/*
 * A new temporary file from the parent (the state file's or the metrics
 * file's, by op): its descriptor, or -1 and err.
 */
static int
temp_open(struct privsep *ps, uint32_t op, char *err, size_t errlen)
{
	int fd = -1, error;

	if ((error = state_request(ps, op, &fd)) != 0) {
		snprintf(err, errlen, "no temporary file: %s",
		    strerror(error));
		return -1;
	}
	return fd;
}

/* Keep it (rename in place, by keep_op) or discard it: 0, or -1 and err. */
static int
temp_close(struct privsep *ps, uint32_t keep_op, uint32_t discard_op,
    bool keep, char *err, size_t errlen)
{
	int error;

	if ((error = state_request(ps, keep ? keep_op : discard_op, NULL)) ==
	    0)
		return 0;
	if (err != NULL)
		snprintf(err, errlen, "%s the temporary file: %s",
		    keep ? "cannot rename" : "cannot remove", strerror(error));
	return -1;
}

int
privsep_state_open(struct privsep *ps, char *err, size_t errlen)
{
	return temp_open(ps, PRIVSEP_OP_STATE_OPEN, err, errlen);
}

int
privsep_state_close(struct privsep *ps, bool keep, char *err, size_t errlen)
{
	return temp_close(ps, PRIVSEP_OP_STATE_KEEP, PRIVSEP_OP_STATE_DISCARD,
	    keep, err, errlen);
}

int
privsep_metrics_open(struct privsep *ps, char *err, size_t errlen)
{
	return temp_open(ps, PRIVSEP_OP_METRICS_OPEN, err, errlen);
}

int
privsep_metrics_close(struct privsep *ps, bool keep, char *err,
    size_t errlen)
{
	return temp_close(ps, PRIVSEP_OP_METRICS_KEEP,
	    PRIVSEP_OP_METRICS_DISCARD, keep, err, errlen);
}

/*
 * A socket to the sync server from the parent: the descriptor, connected
 * or connecting, or -1 and err.
 */
int
privsep_sync_connect(struct privsep *ps, char *err, size_t errlen)
{
	int fd = -1, error;

	if ((error = state_request(ps, PRIVSEP_OP_SYNC_CONNECT, &fd)) != 0) {
		snprintf(err, errlen, "%s", error == EPERM ? "no sync server "
		    "configured at start" : strerror(error));
		return -1;
	}
	return fd;
}

/*
 * The sync option's server as an address, once, at start: a unix socket,
 * or the first address of the host.  Its name is not looked up again:
 * the parent may not reach the resolver's files later.
 */
int
sync_target_resolve(const char *url, struct sync_target *t, char *err,
    size_t errlen)
{
	struct sync_url u;
	struct sockaddr_un *sun = (struct sockaddr_un *)&t->addr;
	struct addrinfo hints, *res;
	char port[16];
	int rc;

	memset(t, 0, sizeof(*t));
	if (url == NULL || strcmp(url, "none") == 0)
		return 0;
	if (sync_url_parse(url, &u, err, errlen) == -1)
		return -1;
	if (u.is_unix) {
		if (strlen(u.path) >= sizeof(sun->sun_path)) {
			seterr(err, errlen, "%s: path too long", u.path);
			return -1;
		}
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, u.path, strlen(u.path));
		t->len = sizeof(*sun);
		return 0;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", u.port);
	if ((rc = getaddrinfo(u.host, port, &hints, &res)) != 0) {
		seterr(err, errlen, "%s: %s", u.host, gai_strerror(rc));
		return -1;
	}
	memcpy(&t->addr, res->ai_addr, res->ai_addrlen);
	t->len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/*
 * Open a socket to it, without waiting for the connection (the engine's
 * thread waits, not the parent): the descriptor, or -1 and *error set.
 * Reads and writes on it time out after 2 s, so that a silent server
 * holds the engine's sync thread no longer.
 */
int
sync_target_dial(const struct sync_target *t, int32_t *error)
{
	struct timeval tv = { 2, 0 };
	int fd;

	if (t->len == 0) {
		*error = EPERM;
		return -1;
	}
	if ((fd = socket(t->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1) {
		*error = errno;
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1 ||
	    (connect(fd, (const struct sockaddr *)&t->addr, t->len) == -1 &&
	    errno != EINPROGRESS)) {
		*error = errno;
		close(fd);
		return -1;
	}
	*error = 0;
	return fd;
}

/* Close the channel: the serving side sees the end of the file. */
void
privsep_stop(struct privsep *ps)
{
	close(ps->fd);
	free(ps);
}

/* A directory fit to chroot into: root's, and nobody else may write. */
static int
safe_root(const char *dir)
{
	struct stat st;

	if (dir == NULL || dir[0] != '/' || strcmp(dir, "/") == 0)
		return 0;
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode))
		return 0;
	return st.st_uid == 0 && (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

/* Look the user up at start-up, while /etc is in reach. */
int
privsep_lookup_user(const char *name, struct privsep_user *u, char *err,
    size_t errlen)
{
	struct passwd *pw;

	memset(u, 0, sizeof(*u));
	errno = 0;
	if ((pw = getpwnam(name)) == NULL) {
		snprintf(err, errlen, "user %s: %s", name,
		    errno ? strerror(errno) : "no such user");
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "user %s is root: the packet parser "
		    "must run unprivileged", name);
		return -1;
	}
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	u->dir = strdup(safe_root(pw->pw_dir) ? pw->pw_dir :
	    PRIVSEP_EMPTY_DIR);
	if (u->dir == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

#if defined(__FreeBSD__) || defined(PFCOMPAT_CAPSICUM)
/*
 * Before cap_enter(): every descriptor the engine keeps loses what it
 * does not need.  The capture: read, wait, and one ioctl, BIOCGSTATS for
 * the drop counter (as tcpdump limits it), so that a compromised engine
 * cannot point it at another interface (BIOCSETIF).  Sockets and pipes:
 * read, write, wait.  Standard output and error: write and fstat
 * (stdio); standard input, unused: fstat alone.
 */
static void
limit_kept(const struct privsep_keep *keep)
{
	static const cap_ioctl_t bpf_cmds[] = { BIOCGSTATS };
	cap_rights_t rights;
	size_t i;

	for (i = 0; i < keep->count; i++) {
		int fd = keep->fds[i].fd;

		switch (keep->fds[i].kind) {
		case PRIVSEP_KEEP_CAPTURE:
			cap_rights_init(&rights, CAP_READ, CAP_EVENT,
			    CAP_IOCTL);
			if (cap_rights_limit(fd, &rights) == -1 ||
			    cap_ioctls_limit(fd, bpf_cmds, 1) == -1)
				fatal("cap_rights_limit capture");
			break;
		case PRIVSEP_KEEP_CHANNEL:
			cap_rights_init(&rights, CAP_READ, CAP_WRITE,
			    CAP_EVENT);
			if (cap_rights_limit(fd, &rights) == -1)
				fatal("cap_rights_limit descriptor %d", fd);
			break;
		case PRIVSEP_KEEP_LISTENER:
			/*
			 * Accepted sockets inherit these rights: reading
			 * the request, writing the answer, getpeereid(3),
			 * and making them non-blocking.
			 */
			cap_rights_init(&rights, CAP_ACCEPT, CAP_EVENT,
			    CAP_READ, CAP_WRITE, CAP_GETSOCKOPT, CAP_FCNTL,
			    CAP_SHUTDOWN);
			if (cap_rights_limit(fd, &rights) == -1)
				fatal("cap_rights_limit control socket");
			break;
		case PRIVSEP_KEEP_INET_LISTENER:
			/*
			 * The answering fake MX: accept(2), and on the
			 * accepted sockets, which inherit these rights,
			 * recv(2), send(2), fcntl(2) for O_NONBLOCK and
			 * FD_CLOEXEC, shutdown(2).  No connect(2), no bind(2).
			 */
			cap_rights_init(&rights, CAP_ACCEPT, CAP_EVENT,
			    CAP_READ, CAP_WRITE, CAP_FCNTL, CAP_SHUTDOWN);
			if (cap_rights_limit(fd, &rights) == -1)
				fatal("cap_rights_limit fake MX listener");
			break;
		case PRIVSEP_KEEP_OUTPUT:
			cap_rights_init(&rights, CAP_WRITE, CAP_FSTAT);
			if (cap_rights_limit(fd, &rights) == -1)
				fatal("cap_rights_limit descriptor %d", fd);
			break;
		case PRIVSEP_KEEP_IDLE:
			cap_rights_init(&rights, CAP_FSTAT);
			if (cap_rights_limit(fd, &rights) == -1)
				fatal("cap_rights_limit descriptor %d", fd);
			break;
		}
	}
}
#endif

/* The engine's pledge(2) promises, for what it keeps. */
const char *
privsep_engine_promises(const struct privsep_keep *keep)
{
	bool unix_ = privsep_keeps(keep, PRIVSEP_KEEP_LISTENER);
	bool inet = privsep_keeps(keep, PRIVSEP_KEEP_INET_LISTENER);

	if (unix_ && inet)
		return "stdio unix inet bpf recvfd";
	if (inet)
		return "stdio inet bpf recvfd";
	if (unix_)
		return "stdio unix bpf recvfd";
	return "stdio bpf recvfd";
}

#if defined(__OpenBSD__)
/* The same, as the log line says it. */
static const char *
privsep_engine_pledged(const struct privsep_keep *keep)
{
	static char how[64];

	snprintf(how, sizeof(how), ", pledge \"%s\"",
	    privsep_engine_promises(keep));
	return how;
}
#endif

/*
 * FreeBSD: limit what the engine keeps, and enter capability mode.  Part
 * of privsep_drop(); alone in the tests of the FreeBSD layout, which
 * record it (tests/pfcompat/fake_capsicum.c).  Elsewhere nothing.
 */
void
privsep_limit(const struct privsep_keep *keep)
{
#if defined(__FreeBSD__) || defined(PFCOMPAT_CAPSICUM)
	limit_kept(keep);
	tzset();	/* syslog's time stamps: no files later */
	if (cap_enter() == -1)
		fatal("cap_enter");
#else
	(void)keep;
#endif
}

/* The highest descriptor kept, or standard error's. */
static int
highest_kept(const struct privsep_keep *keep)
{
	int highest = STDERR_FILENO;
	size_t i;

	for (i = 0; i < keep->count; i++)
		if (keep->fds[i].fd > highest)
			highest = keep->fds[i].fd;
	return highest;
}

/*
 * Close every descriptor the engine does not keep: whatever it inherited
 * from whoever started the daemon, or from the parent before the split,
 * would otherwise stay open with all its rights.
 */
void
privsep_close_others(const struct privsep_keep *keep)
{
	int fd, highest = highest_kept(keep);
	size_t i;
	bool kept;

	for (fd = STDERR_FILENO + 1; fd < highest; fd++) {
		kept = false;
		for (i = 0; i < keep->count && !kept; i++)
			kept = keep->fds[i].fd == fd;
		if (!kept)
			(void)close(fd);
	}
	closefrom(highest + 1);
}

/* One more descriptor the engine keeps, and what for. */
void
privsep_keep_fd(struct privsep_keep *keep, int fd, enum privsep_keep_kind kind)
{
	if (fd < 0)
		return;
	if (keep->count >= PRIVSEP_KEEP_MAX)
		fatalx("privsep: too many descriptors kept");
	keep->fds[keep->count].fd = fd;
	keep->fds[keep->count].kind = kind;
	keep->count++;
}

/* Does the engine keep a descriptor of this kind? */
bool
privsep_keeps(const struct privsep_keep *keep, enum privsep_keep_kind kind)
{
	size_t i;

	for (i = 0; i < keep->count; i++)
		if (keep->fds[i].kind == kind)
			return true;
	return false;
}

/* setgroups(), setresgid(), setresuid(), and check the result. */
static void
become_user(const struct privsep_user *u)
{
	if (setgroups(1, &u->gid) == -1)
		fatal("setgroups");
	if (setresgid(u->gid, u->gid, u->gid) == -1)
		fatal("setresgid");
	if (setresuid(u->uid, u->uid, u->uid) == -1)
		fatal("setresuid");
	if (getuid() != u->uid || geteuid() != u->uid ||
	    getgid() != u->gid || getegid() != u->gid)
		fatalx("privileges not dropped");
}

/*
 * The engine: chroot, become the user, and confine what is left, always:
 * it needs no file and no name lookup any more (the parent opens files
 * for it, the resolver process looks names up).  max_file, if not 0, is
 * the most bytes it may write into a file: the largest state file.
 * keep[] lists the descriptors it goes on using (FreeBSD limits them).
 */
void
privsep_drop(const struct privsep_user *u, const struct privsep_keep *keep,
    uint64_t max_file)
{
	struct rlimit rl, hard;
	const char *how = "";

	if (chroot(u->dir) == -1)
		fatal("chroot %s", u->dir);
	if (chdir("/") == -1)
		fatal("chdir /");
	become_user(u);
	if (max_file != 0) {
		/* A write past it fails with EFBIG instead of a signal. */
		signal(SIGXFSZ, SIG_IGN);
		rl.rlim_cur = rl.rlim_max = (rlim_t)max_file;
		if (setrlimit(RLIMIT_FSIZE, &rl) == -1)
			fatal("setrlimit RLIMIT_FSIZE");
	}
	/*
	 * Its descriptors, and room for the few it receives at a time (a
	 * temporary state file, the configuration file) and the control
	 * socket's clients: a compromised engine cannot hoard temporary
	 * files the parent hands out.
	 */
	rl.rlim_cur = rl.rlim_max = (rlim_t)(highest_kept(keep) + 1 +
	    PRIVSEP_FDS_RECEIVED + PRIVSEP_FDS_SYNC +
	    (privsep_keeps(keep, PRIVSEP_KEEP_LISTENER) ? CTL_CLIENTS_MAX : 0) +
	    keep->extra);
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
		/* Lowering never fails on a kernel; a tool (valgrind) may. */
		if (getrlimit(RLIMIT_NOFILE, &hard) == -1)
			fatal("getrlimit RLIMIT_NOFILE");
		rl.rlim_max = hard.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			fatal("setrlimit RLIMIT_NOFILE");
	}
#if defined(__OpenBSD__)
	if (unveil("/", "") == -1)
		fatal("unveil /");
	if (unveil(NULL, NULL) == -1)
		fatal("unveil");
	/*
	 * accept(2) and getpeereid(3) on the control socket need "unix";
	 * accept(2) on the answering fake MX's sockets needs "inet" (what it
	 * does with the accepted ones, recv, send, fcntl, is "stdio").
	 */
	how = privsep_engine_promises(keep);
	if (pledge(how, NULL) == -1)
		fatal("pledge");
	how = privsep_engine_pledged(keep);
#elif defined(__FreeBSD__)
	privsep_limit(keep);
	how = ", capability mode";
#else
	(void)keep;
#endif
	log_info("engine confined: uid %lu, chroot %s%s",
	    (unsigned long)u->uid, u->dir, how);
}

/*
 * The resolver process: the user, and on OpenBSD nothing but name
 * lookups (the resolver's two files, pledge "stdio dns").  The system
 * resolver reads its files and opens sockets as it goes, which capability
 * mode and a chroot would break: on FreeBSD it only changes user.
 */
void
privsep_drop_resolver(const struct privsep_user *u)
{
	const char *how = "";

	become_user(u);
#if defined(__OpenBSD__)
	if (unveil("/etc/resolv.conf", "r") == -1 ||
	    unveil("/etc/hosts", "r") == -1 || unveil(NULL, NULL) == -1)
		fatal("unveil");
	if (pledge("stdio dns", NULL) == -1)
		fatal("pledge");
	how = ", unveil, pledge \"stdio dns\"";
#endif
	log_info("resolver confined: uid %lu%s", (unsigned long)u->uid, how);
}
