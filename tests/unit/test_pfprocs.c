/*
 * The pf port's three processes, forked for real (issue 13): the daemon
 * runs mxd_run() with the pf port in a child of this test, splits into
 * the privileged parent, the engine and the resolver, and is driven from
 * outside as an administrator would: packets through a scripted capture
 * (records written into a pipe the engine reads), signals to the pid in
 * the pidfile, a configuration file rewritten between reloads.  pf is
 * tests/pfcompat/fake_pf.c, which lives in the parent, the only process
 * that may touch it; when the parent exits it writes what its tables hold
 * for a few addresses of interest, which this test reads.  DNS is the
 * resolver process's, with its calls substituted.  Confinement is off
 * (it needs a BSD and root): pf_port_no_confinement().
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <net/pfvar.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#ifdef PFCOMPAT_CAPSICUM
#include <sys/capsicum.h>
#include "fake_capsicum.h"
#endif

#include "capture.h"
#include "daemon.h"
#include "fake_pf.h"
#include "log.h"
#include "pflog.h"
#include "port.h"
#include "resolver.h"
#include "table.h"
#include "fakeai.h"
#include "t.h"

#define OS	PFCOMPAT_OS
#define FAKE_MX		"192.0.2.25"
#define FAKE_MX_NEW	"192.0.2.27"
#define REAL_MX		"192.0.2.26"
#define WAIT_TENTHS	100

/* The scripted capture: struct scripted records through a pipe. */

struct scripted {
	struct pflog_info	pfl;
	struct pkt_info		pkt;
	enum pkt_result		res;
};

struct capture {
	int	fd;
};

static int	script[2] = { -1, -1 };

struct capture *
capture_open_live(const char *ifname, const char *filter, char *err,
    size_t errlen)
{
	struct capture *c;

	(void)ifname;
	(void)filter;
	(void)err;
	(void)errlen;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		abort();
	c->fd = script[0];
	return c;
}

int
capture_fd(struct capture *c)
{
	return c->fd;
}

int
capture_dispatch(struct capture *c, capture_cb *cb, void *arg)
{
	struct scripted s;
	ssize_t n;

	n = read(c->fd, &s, sizeof(s));
	if (n != (ssize_t)sizeof(s))
		return n == 0 ? 0 : -1;
	cb(arg, &s.pfl, &s.pkt, s.res, 0);
	return 1;
}

const char *
capture_error(struct capture *c)
{
	(void)c;
	return "scripted";
}

int
capture_drops(struct capture *c, uint64_t *n)
{
	(void)c;
	*n = 0;
	return 0;
}

void
capture_close(struct capture *c)
{
	if (c == NULL)
		return;
	close(c->fd);
	free(c);
}

/* One logged inbound SYN into the pipe. */
static void
syn(const char *src, const char *dst, int action)
{
	struct scripted s;

	memset(&s, 0, sizeof(s));
	s.pfl.hdrlen = 100;
	s.pfl.af = 2;
	s.pfl.action = (uint8_t)action;
	s.pfl.dir = PFLOG_DIR_IN;
	snprintf(s.pfl.ifname, sizeof(s.pfl.ifname), "em0");
	addr_parse(src, &s.pkt.src);
	addr_parse(dst, &s.pkt.dst);
	s.pkt.sport = 40000;
	s.pkt.dport = 25;
	s.pkt.tcp_flags = TCP_FLAG_SYN;
	s.pkt.ip_version = 4;
	s.res = PKT_TCP;
	if (write(script[1], &s, sizeof(s)) != (ssize_t)sizeof(s))
		abort();
}

/*
 * DNS, in the resolver process: 198.51.100.1 is pool.test, with .11;
 * partner.test's addresses are the lines of the file partner_path, which
 * the test rewrites (none: no such name).
 */
static char	partner_path[128];

static int
partner_addrs(struct addrinfo **res)
{
	char line[64];
	FILE *fp;

	*res = NULL;
	if ((fp = fopen(partner_path, "r")) == NULL)
		return EAI_NONAME;
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != '\0')
			*res = fake_ai(strchr(line, ':') != NULL ? AF_INET6 :
			    AF_INET, line, *res);
	}
	fclose(fp);
	return *res != NULL ? 0 : EAI_NONAME;
}

static int
fake_name_of(const struct sockaddr *sa, unsigned len, char *name,
    size_t namelen)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

	(void)len;
	if (sa->sa_family == AF_INET &&
	    ntohl(sin->sin_addr.s_addr) == 0xc6336401)
		return snprintf(name, namelen, "pool.test") < 0;
	return EAI_NONAME;
}

static int
fake_addrs_of(const char *name, struct addrinfo **res)
{
	if (strcmp(name, "partner.test") == 0)
		return partner_addrs(res);
	if (strcmp(name, "pool.test") != 0)
		return EAI_NONAME;
	*res = fake_ai(AF_INET, "198.51.100.1",
	    fake_ai(AF_INET, "198.51.100.11", NULL));
	return 0;
}

static const struct resolver_config dns_hooks = {
	.name_of = fake_name_of,
	.addrs_of = fake_addrs_of,
	.free_addrs = fake_free
};

/*
 * A stand-in for syslogd: a datagram socket at a path, like /var/run/log.
 * The daemon's sink connects to it once, as syslog(3) does; after the
 * receiver restarts, only the parent may connect again: a chrooted or
 * capability-mode child could not (it cannot reach the path), and this
 * sink behaves so in every process but the parent.
 */
static char	syslog_path[96];
static int	sink_fd = -1;
static int	receiver_fd = -1;	/* the test's: the daemon must not hold it */

static void
sink_connect(void)
{
	struct sockaddr_un sun;

	if (sink_fd != -1)
		close(sink_fd);
	sink_fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", syslog_path);
	if (connect(sink_fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(sink_fd);
		sink_fd = -1;
	}
}

static pid_t	daemon_pid;

static void
test_sink(int pri, const char *msg)
{
	(void)pri;
	if (sink_fd == -1 && getpid() == daemon_pid)
		sink_connect();
	if (sink_fd == -1)
		return;
	if (send(sink_fd, msg, strlen(msg), 0) == -1 &&
	    getpid() == daemon_pid) {
		sink_connect();
		if (sink_fd != -1)
			(void)send(sink_fd, msg, strlen(msg), 0);
	}
}

static int
receiver_start(void)
{
	struct sockaddr_un sun;
	int fd;

	unlink(syslog_path);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1)
		abort();
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", syslog_path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		abort();
	receiver_fd = fd;
	return fd;
}

/* A line containing text at the receiver, waiting at most WAIT_TENTHS. */
static bool
received(int fd, const char *text)
{
	struct pollfd pfd;
	char buf[LOG_LINE_MAX + 1];
	ssize_t n;
	int i;

	pfd.fd = fd;
	pfd.events = POLLIN;
	for (i = 0; i < WAIT_TENTHS; i++) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if ((n = recv(fd, buf, sizeof(buf) - 1, 0)) <= 0)
			continue;
		buf[n] = '\0';
		if (strstr(buf, text) != NULL)
			return true;
		i--;	/* another line: no time lost */
	}
	return false;
}

/* The files of one run. */

/*
 * pf as the daemon's parent sees it: fake_pf, or fake_pf that notes (in
 * the file in_table) the moment FAKE_PEER enters <mx-white>.
 */
#define FAKE_PEER	"127.0.0.1"
static char		 in_table[128];
static pfk_ioctl_fn	*daemon_ioctl = fake_pf_ioctl;

static int
noting_ioctl(int fd, unsigned long cmd, void *arg)
{
	FILE *fp;
	int rc;

	/* A slow pf: an answer that did not wait for it would come first. */
	if (cmd == DIOCRADDADDRS)
		usleep(300000);
	rc = fake_pf_ioctl(fd, cmd, arg);
	if (rc == 0 && fake_pf_contains("mx-white", 4, FAKE_PEER, 32) &&
	    access(in_table, F_OK) == -1 &&
	    (fp = fopen(in_table, "w")) != NULL) {
		fputs("in <mx-white>\n", fp);
		fclose(fp);
	}
	return rc;
}

static char	dir[] = "/tmp/test_pfprocs.XXXXXX";
static char	conf[128], pidfile[128], state[128], logfile[128], tables[128];
static char	capreport[128], ctlsock[128];

/* At the parent's exit: what pf holds, for the addresses of interest. */
static void
dump_tables(void)
{
	static const char *const names[] = { "mx-white", "mx-new" };
	static const char *const addrs[] = { "198.51.100.1",
	    "198.51.100.11", "198.51.100.5", "198.51.100.9",
	    "203.0.113.1", "203.0.113.2", "203.0.113.5", "203.0.113.6" };
	FILE *fp;
	size_t i, j;

	if (getpid() != daemon_pid || (fp = fopen(tables, "w")) == NULL)
		return;
	for (i = 0; i < 2; i++)
		for (j = 0; j < sizeof(addrs) / sizeof(addrs[0]); j++)
			if (fake_pf_contains(names[i], 4, addrs[j], 32))
				fprintf(fp, "%s %s\n", names[i], addrs[j]);
	fprintf(fp, "bad %u\n", fake_pf_bad);
	fclose(fp);
}

static void
write_conf(const char *text)
{
	FILE *fp = fopen(conf, "w");

	if (fp == NULL || fputs(text, fp) == EOF || fclose(fp) == EOF)
		abort();
}

/*
 * The daemon, in a child: mxd_run() until the parent exits.  Its lines go
 * to logfile (-s), or with to_syslog to the syslog stand-in.
 */
static pid_t
start_daemon_logging(bool to_syslog)
{
	char *argv[] = { "mxallowd", "-F", "-d", "-c", conf,
	    "--pidfile", pidfile, "--state-file", state, "--user", "nobody",
	    "--control-socket", ctlsock, "-s", NULL };
	int argc = to_syslog ? 13 : 14;
	struct mxd d;
	pid_t pid;
	int status, fd;

	if (pipe(script) == -1)
		abort();
	if ((pid = fork()) != 0) {
		close(script[0]);
		return pid;
	}
	close(script[1]);
	if (receiver_fd != -1)
		close(receiver_fd);
	if ((fd = open(logfile, O_WRONLY | O_CREAT | O_APPEND, 0644)) == -1 ||
	    dup2(fd, STDOUT_FILENO) == -1 || dup2(fd, STDERR_FILENO) == -1)
		_exit(2);
	close(fd);
	daemon_pid = getpid();
	atexit(dump_tables);
	fake_pf_reset(NULL);
	fake_pf_fd = -1;
	pfk_ioctl = daemon_ioctl;
	pfk_open_device = fake_pf_open;
#ifdef PFCOMPAT_FREEBSD
	pfk_sysctl = fake_pf_sysctlbyname;
#endif
	pf_port_no_confinement();
	pf_resolver_hooks = &dns_hooks;
#ifdef PFCOMPAT_CAPSICUM
	fake_cap_report = capreport;
#endif
	if (to_syslog) {
		argv[argc] = NULL;
		log_set_sink(test_sink);
	}
	if (!mxd_configure(&d, &pf_port, argc, argv, &status))
		_exit(status);
	exit(mxd_run(&d));
}

static pid_t
start_daemon(void)
{
	return start_daemon_logging(false);
}

static bool
file_has(const char *path, const char *text)
{
	char line[512];
	bool found = false;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), fp) != NULL)
		found = strstr(line, text) != NULL;
	fclose(fp);
	return found;
}

/* Poll for a line in the log, at most WAIT_TENTHS tenths of a second. */
static bool
logged(const char *text)
{
	int i;

	for (i = 0; i < WAIT_TENTHS; i++) {
		if (file_has(logfile, text))
			return true;
		usleep(100000);
	}
	return false;
}

static int
count_in_log(const char *text)
{
	char line[512];
	int n = 0;
	FILE *fp;

	if ((fp = fopen(logfile, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		n += strstr(line, text) != NULL;
	fclose(fp);
	return n;
}

/* The daemon's exit status, waiting at most WAIT_TENTHS. */
static int
wait_exit(pid_t pid)
{
	int i, status;

	for (i = 0; i < WAIT_TENTHS; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(100000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

static long
logged_pid(const char *what)
{
	char line[512], *p;
	long pid = -1;
	FILE *fp;

	if ((fp = fopen(logfile, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if ((p = strstr(line, what)) != NULL)
			pid = strtol(p + strlen(what), NULL, 10);
	fclose(fp);
	return pid;
}

static long
pidfile_pid(void)
{
	char buf[32] = "";
	FILE *fp;

	if ((fp = fopen(pidfile, "r")) == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), fp) == NULL)
		buf[0] = '\0';
	fclose(fp);
	return strtol(buf, NULL, 10);
}

static void
reset_files(void)
{
	unlink(logfile);
	unlink(tables);
	unlink(state);
}

/*
 * A whole run: a fake-MX hit whitelists through the parent, the sibling
 * comes back from the resolver process, SIGHUP with a changed MX set and
 * a renamed table, SIGHUP with a broken file, SIGTERM with the state
 * file written and the pidfile removed.
 */
static void
test_run(void)
{
	pid_t pid, engine;
	int status, reloads;

	reset_files();
	write_conf("fake-mailserver " FAKE_MX "\n"
	    "real-mailserver " REAL_MX "\n"
	    "table mx-white\n");
	pid = start_daemon();
	CHECK(logged("started (pf port)") &&
	    logged("privileged parent: engine process "),
	    OS ": the daemon starts as three processes");
	CHECK(pidfile_pid() == (long)pid,
	    OS ": the pidfile names the parent (%ld)", pidfile_pid());
	syn("198.51.100.1", FAKE_MX, PFLOG_ACTION_PASS);
	CHECK(logged("whitelist 198.51.100.1 -> " FAKE_MX),
	    OS ": a fake-MX hit in the engine whitelists the sender");
	CHECK(logged("whitelist sibling 198.51.100.11 of 198.51.100.1"),
	    OS ": its sibling comes back from the resolver process");
	syn("198.51.100.9", REAL_MX, PFLOG_ACTION_DROP);
	CHECK(logged("block 198.51.100.9 -> " REAL_MX),
	    OS ": a direct sender is blocked");

	/* A changed MX set and a renamed table, by SIGHUP to the parent. */
	write_conf("fake-mailserver " FAKE_MX_NEW "\n"
	    "real-mailserver " REAL_MX "\n"
	    "table mx-new\n");
	kill(pid, SIGHUP);
	CHECK(logged("configuration reloaded: 1 fake and 1 real"),
	    OS ": SIGHUP to the parent reloads the engine");
	CHECK(logged("pf table <mx-white>: 2 entries moved to <mx-new>"),
	    OS ": the renamed table gets the entries");
	syn("198.51.100.5", FAKE_MX_NEW, PFLOG_ACTION_PASS);
	CHECK(logged("whitelist 198.51.100.5 -> " FAKE_MX_NEW),
	    OS ": the new fake MX whitelists");

	/* A broken file: the parent says so, the engine never hears. */
	reloads = count_in_log("configuration reloaded");
	write_conf("fake-mailserver " FAKE_MX "\nno-such-key 1\n");
	kill(pid, SIGHUP);
	CHECK(logged("reload failed, configuration unchanged: "),
	    OS ": a broken file is refused by the parent");
	syn("198.51.100.6", FAKE_MX, PFLOG_ACTION_PASS);
	syn("198.51.100.7", FAKE_MX_NEW, PFLOG_ACTION_PASS);
	CHECK(logged("whitelist 198.51.100.7 -> " FAKE_MX_NEW) &&
	    !file_has(logfile, "whitelist 198.51.100.6") &&
	    count_in_log("configuration reloaded") == reloads,
	    OS ": and the old configuration stays in force");

	/* "pkill mxallowd" reaches the engine too: only the parent counts. */
	engine = (pid_t)logged_pid("engine process ");
	write_conf("fake-mailserver " FAKE_MX "\n"
	    "real-mailserver " REAL_MX "\n"
	    "table mx-new\n");
	kill(engine, SIGHUP);
	kill(engine, SIGTERM);
	kill(engine, SIGUSR1);
	syn("198.51.100.8", FAKE_MX_NEW, PFLOG_ACTION_PASS);
	CHECK(logged("whitelist 198.51.100.8 -> " FAKE_MX_NEW) &&
	    count_in_log("configuration reloaded") == reloads &&
	    count_in_log("statistics:") == 0 && kill(engine, 0) == 0,
	    OS ": signals from anybody but the parent leave the engine alone");

	kill(pid, SIGTERM);
	status = wait_exit(pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    OS ": SIGTERM to the parent: the daemon exits 0 (%#x)", status);
	CHECK(file_has(state, "198.51.100.1 ") &&
	    file_has(state, "198.51.100.5 "),
	    OS ": the engine's last state file is written by the parent");
	CHECK(access(pidfile, F_OK) == -1, OS ": the parent removes the "
	    "pidfile");
	CHECK(file_has(tables, "mx-new 198.51.100.1") &&
	    file_has(tables, "mx-new 198.51.100.11") &&
	    file_has(tables, "mx-new 198.51.100.5") &&
	    !file_has(tables, "mx-white 198.51.100.1") &&
	    !file_has(tables, "198.51.100.9") && file_has(tables, "bad 0"),
	    OS ": pf holds the senders and the sibling, in the new table, "
	    "and every request was well formed");
	CHECK(logged("engine process exited") &&
	    logged("resolver process exited"),
	    OS ": the parent saw both children end");
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL || fputs(text, fp) == EOF || fclose(fp) == EOF)
		abort();
}

/* The daemon with an allow-file of this content (its path in allowf). */
static pid_t
start_with_allow(char *allowf, size_t len, const char *content)
{
	char conftext[512];

	reset_files();
	snprintf(allowf, len, "%s/allow", dir);
	write_file(allowf, content);
	snprintf(conftext, sizeof(conftext), "fake-mailserver " FAKE_MX "\n"
	    "real-mailserver " REAL_MX "\n"
	    "table mx-white\n"
	    "allow-file %s\n", allowf);
	write_conf(conftext);
	return start_daemon();
}

/*
 * The allow list on pf: an allow-file the parent reads and checks on
 * SIGHUP and hands to the engine (which cannot open it), a broken one
 * refused by the parent.
 */
static void
test_allow(void)
{
	char allowf[160], conftext[512];
	pid_t pid;
	int status, reloads;

	pid = start_with_allow(allowf, sizeof(allowf), "# partners\n"
	    "203.0.113.1\n");
	CHECK(logged("privileged parent: engine process "),
	    OS ": allow: the daemon starts with an allow-file");

	write_file(allowf, "203.0.113.2\n");
	reloads = count_in_log("configuration reloaded");
	kill(pid, SIGHUP);
	CHECK(logged("configuration reloaded") &&
	    count_in_log("configuration reloaded") == reloads + 1 &&
	    !file_has(logfile, "reload failed"),
	    OS ": allow: SIGHUP with a changed allow-file reloads the engine");

	reloads = count_in_log("configuration reloaded");
	write_file(allowf, "203.0.113.3\nnot an entry!\n");
	kill(pid, SIGHUP);
	snprintf(conftext, sizeof(conftext), "reload failed, configuration "
	    "unchanged: %s:2: ", allowf);
	CHECK(logged(conftext), OS ": allow: a broken allow-file is refused "
	    "by the parent, with its file and line");
	usleep(300000);
	CHECK(count_in_log("configuration reloaded") == reloads &&
	    count_in_log("reload failed") == 1,
	    OS ": allow: and the engine is not told");

	kill(pid, SIGTERM);
	status = wait_exit(pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    OS ": allow: the daemon exits 0 (%#x)", status);
	CHECK(file_has(tables, "mx-white 203.0.113.2") &&
	    !file_has(tables, "203.0.113.1") &&
	    !file_has(tables, "203.0.113.3") && file_has(tables, "bad 0"),
	    OS ": allow: the table holds the reloaded allow-file's entry, "
	    "not the old one's nor the refused one's");
	unlink(allowf);
}

/*
 * One request to the control socket: the whole answer (up to "end") in
 * answer, or false if the daemon could not be reached or did not finish
 * within WAIT_TENTHS.
 */
static bool
ask(const char *request, char *answer, size_t len)
{
	struct sockaddr_un sun;
	struct pollfd pfd;
	size_t have = 0;
	ssize_t n;
	int fd, i;

	answer[0] = '\0';
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(ctlsock) >= sizeof(sun.sun_path))
		return false;
	memcpy(sun.sun_path, ctlsock, strlen(ctlsock));
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return false;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    write(fd, request, strlen(request)) != (ssize_t)strlen(request)) {
		close(fd);
		return false;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (i = 0; i < WAIT_TENTHS && have + 1 < len; i++) {
		if (poll(&pfd, 1, 100) != 1)
			continue;
		if ((n = read(fd, answer + have, len - have - 1)) <= 0)
			break;
		have += (size_t)n;
		answer[have] = '\0';
	}
	close(fd);
	return strstr(answer, "end\n") != NULL;
}

/*
 * The control socket's reload on pf: the engine cannot open the
 * allow-file, so the parent reads and checks both files when the engine
 * asks, as on SIGHUP; a broken file's error, with its line, goes back to
 * the client, and the old list stays.
 */
static void
test_allow_control(void)
{
	char allowf[160], conftext[512], answer[2048];
	pid_t pid;
	int status;

	pid = start_with_allow(allowf, sizeof(allowf), "203.0.113.1\n");
	CHECK(logged("privileged parent: engine process "),
	    OS ": control reload: the daemon starts with an allow-file");

	write_file(allowf, "203.0.113.5\n");
	CHECK(ask("reload\n", answer, sizeof(answer)) &&
	    strstr(answer, "error") == NULL &&
	    strstr(answer, "reloaded") != NULL,
	    OS ": control reload: a changed allow-file is read (%s)", answer);
	CHECK(ask("show allow\n", answer, sizeof(answer)) &&
	    strstr(answer, "203.0.113.5") != NULL &&
	    strstr(answer, "203.0.113.1") == NULL,
	    OS ": control reload: show allow lists the new entry only (%s)",
	    answer);

	write_file(allowf, "203.0.113.6\nnot an entry!\n");
	snprintf(conftext, sizeof(conftext), "error: %s:2: ", allowf);
	CHECK(ask("reload\n", answer, sizeof(answer)) &&
	    strstr(answer, conftext) != NULL,
	    OS ": control reload: a broken allow-file is refused with its "
	    "file and line (%s)", answer);
	CHECK(ask("show allow\n", answer, sizeof(answer)) &&
	    strstr(answer, "203.0.113.5") != NULL &&
	    strstr(answer, "203.0.113.6") == NULL,
	    OS ": control reload: and the old list stays (%s)", answer);

	unlink(allowf);
	snprintf(conftext, sizeof(conftext), "error: %s: ", allowf);
	CHECK(ask("reload\n", answer, sizeof(answer)) &&
	    strstr(answer, conftext) != NULL &&
	    strstr(answer, "No such file") != NULL,
	    OS ": control reload: a missing allow-file is named, with why "
	    "(%s)", answer);

	/* The parent took nothing of the refused ones: SIGHUP still works. */
	write_file(allowf, "203.0.113.2\n");
	CHECK(ask("reload\n", answer, sizeof(answer)) &&
	    strstr(answer, "error") == NULL,
	    OS ": control reload: a repaired allow-file is read (%s)",
	    answer);

	kill(pid, SIGTERM);
	status = wait_exit(pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    OS ": control reload: the daemon exits 0 (%#x)", status);
	CHECK(file_has(tables, "mx-white 203.0.113.2") &&
	    !file_has(tables, "203.0.113.1") &&
	    !file_has(tables, "203.0.113.5") &&
	    !file_has(tables, "203.0.113.6") && file_has(tables, "bad 0"),
	    OS ": control reload: the table holds the last good allow-file's "
	    "entry only");
	unlink(allowf);
}

/* Poll for the nth line with text in the log, at most tenths. */
static bool
logged_times(const char *text, int n, int tenths)
{
	int i;

	for (i = 0; i < tenths; i++) {
		if (count_in_log(text) >= n)
			return true;
		usleep(100000);
	}
	return false;
}

/*
 * An allow entry by host name: the engine cannot resolve it, the
 * resolver process does (through the names socket) and its addresses
 * reach pf's table; when the answer changes, the next resolution (every
 * dns-cache-time, at least 10 s) changes the table.
 */
static void
test_allow_names(void)
{
	char conftext[512];
	pid_t pid;
	int status;

	reset_files();
	write_file(partner_path, "203.0.113.5\n");
	snprintf(conftext, sizeof(conftext), "fake-mailserver " FAKE_MX "\n"
	    "real-mailserver " REAL_MX "\n"
	    "table mx-white\n"
	    "dns-cache-time 1\n"
	    "allow partner.test\n"
	    "allow 203.0.113.1\n");
	write_conf(conftext);
	pid = start_daemon();
	CHECK(logged_times("allow: names resolved, 2 entries", 1,
	    WAIT_TENTHS), OS ": allow by name: resolved through the "
	    "resolver process");
	CHECK(!file_has(logfile, "not resolved on the"),
	    OS ": allow by name: no more left out on pf");
	kill(pid, SIGTERM);
	status = wait_exit(pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    OS ": allow by name: the daemon exits 0 (%#x)", status);
	CHECK(file_has(tables, "mx-white 203.0.113.5") &&
	    file_has(tables, "mx-white 203.0.113.1") &&
	    !file_has(tables, "203.0.113.6") && file_has(tables, "bad 0"),
	    OS ": allow by name: the name's address is in pf's table");

	/* The answer changes: the next resolution follows. */
	reset_files();
	write_file(partner_path, "203.0.113.5\n");
	pid = start_daemon();
	CHECK(logged_times("allow: names resolved, 2 entries", 1,
	    WAIT_TENTHS), OS ": allow by name: resolved again at start");
	write_file(partner_path, "203.0.113.6\n2001:db8:5::1\n");
	CHECK(logged_times("allow: names resolved, 3 entries", 1, 150),
	    OS ": allow by name: resolved again after dns-cache-time, with "
	    "the new answer");
	kill(pid, SIGTERM);
	status = wait_exit(pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    OS ": allow by name: the daemon exits 0 (%#x)", status);
	CHECK(file_has(tables, "mx-white 203.0.113.6") &&
	    !file_has(tables, "203.0.113.5") &&
	    file_has(tables, "mx-white 203.0.113.1") &&
	    file_has(tables, "bad 0"),
	    OS ": allow by name: pf's table follows the changed answer");
	unlink(partner_path);
}

/* After a failed check: the daemon's log, as comments. */
static void
show_log(int failed_before)
{
	char line[512];
	FILE *fp;

	if (t_failed == failed_before || (fp = fopen(logfile, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL)
		printf("# %s", line);
	fclose(fp);
}

#ifdef PFCOMPAT_CAPSICUM
/*
 * FreeBSD: every descriptor the engine has open when it enters capability
 * mode was limited first, the capture to reading, waiting and BIOCGSTATS
 * (as recorded by tests/pfcompat/fake_capsicum.c).
 */
static void
test_capsicum(void)
{
	char line[512], capture_ioctls[64] = "";
	unsigned long long rights;
	int fd, entered = 0, open_fds = 0, unlimited = 0, capture_fd = -1;
	FILE *fp;

	if ((fp = fopen(capreport, "r")) == NULL) {
		CHECK(0, OS ": the engine's Capsicum calls were recorded");
		return;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strcmp(line, "enter\n") == 0)
			entered++;
		else if (strncmp(line, "open ", 5) == 0) {
			open_fds++;
			if (strstr(line, " UNLIMITED ") != NULL) {
				unlimited++;
				printf("# %s", line);
			}
		} else if (sscanf(line, "limit %d %llx", &fd, &rights) == 2 &&
		    rights == (CAP_READ | CAP_EVENT | CAP_IOCTL))
			capture_fd = fd;
		else if (capture_fd != -1 && sscanf(line, "ioctls %d %63s",
		    &fd, capture_ioctls) == 2 && fd != capture_fd)
			capture_ioctls[0] = '\0';
	}
	fclose(fp);
	CHECK(entered == 1, OS ": the engine enters capability mode once");
	CHECK(open_fds >= 8 && unlimited == 0,
	    OS ": every one of its %d descriptors is limited first "
	    "(%d are not)", open_fds, unlimited);
	CHECK(capture_fd != -1 && strcmp(capture_ioctls, "4008426f") == 0,
	    OS ": the capture: read, wait and one ioctl, BIOCGSTATS (%s)",
	    capture_ioctls);
}
#endif

#ifdef PFCOMPAT_CAPSICUM
/* Was a descriptor limited to what the answering fake MX needs? */
static bool
listener_limited(void)
{
	char line[512];
	unsigned long long rights;
	bool found = false;
	FILE *fp;
	int fd;

	if ((fp = fopen(capreport, "r")) == NULL)
		return false;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "limit %d %llx", &fd, &rights) == 2 &&
		    rights == (CAP_ACCEPT | CAP_EVENT | CAP_READ | CAP_WRITE |
		    CAP_FCNTL | CAP_SHUTDOWN))
			found = true;
	fclose(fp);
	return found;
}
#endif

/*
 * fake-answer 421 (issue 17): the engine answers on the fake MX, after the
 * peer's entry is in pf's table: the parent notes the entry (noting_ioctl)
 * before it answers the engine, which only then writes to the peer.  A
 * SYN to the fake MX whitelists nobody.
 */
static void
test_fake_answer(void)
{
	struct sockaddr_in sin;
	struct pollfd pfd;
	char line[256] = "", text[512];
	bool noted = false;
	ssize_t n = -1;
	pid_t pid;
	int fd = -1, i, status;

	reset_files();
	snprintf(in_table, sizeof(in_table), "%s/in-table", dir);
	unlink(in_table);
	mxd_fake_port = (uint16_t)(20000 + getpid() % 20000);
	snprintf(text, sizeof(text), "fake-mailserver " FAKE_PEER "\n"
	    "real-mailserver " REAL_MX "\nfake-answer 421\n");
	write_conf(text);
	daemon_ioctl = noting_ioctl;
	pid = start_daemon();
	daemon_ioctl = fake_pf_ioctl;
	CHECK(logged("started (pf port)"), OS ": fake-answer 421: started");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(mxd_fake_port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < WAIT_TENTHS; i++) {
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			abort();
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
			break;
		close(fd);
		fd = -1;
		usleep(100000);
	}
	if (fd != -1) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, WAIT_TENTHS * 100) == 1 &&
		    (n = read(fd, line, sizeof(line) - 1)) > 0) {
			line[n] = '\0';
			/* Now, not later: was the entry in pf already? */
			noted = access(in_table, F_OK) == 0;
		}
		close(fd);
	}
	CHECK(strncmp(line, "421 4.3.2 ", 10) == 0 &&
	    strstr(line, " Service not available, try the next MX\r\n") !=
	    NULL, OS ": the engine answers the fake MX's peer 421 (%s)",
	    n > 0 ? "answered" : "no answer");
	CHECK(noted, OS ": the peer was in pf's table before the answer "
	    "reached it");
	CHECK(logged("fake MX answered 421 to " FAKE_PEER),
	    OS ": the engine logs the answered peer");
	syn("198.51.100.1", FAKE_PEER, PFLOG_ACTION_PASS);
	syn("198.51.100.9", REAL_MX, PFLOG_ACTION_DROP);
	CHECK(logged("block 198.51.100.9 -> " REAL_MX) &&
	    !file_has(logfile, "whitelist 198.51.100.1"),
	    OS ": a SYN to the answering fake MX whitelists nobody");
	kill(pid, SIGTERM);
	status = wait_exit(pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    file_has(tables, "bad 0"),
	    OS ": it exits 0; every pf request was well formed");
	mxd_fake_port = 25;
	unlink(in_table);
#ifdef PFCOMPAT_CAPSICUM
	CHECK(listener_limited(), OS ": the fake MX's listener is limited to "
	    "accept, read, write, fcntl, shutdown and wait");
	unlink(capreport);
#endif
}

/* A killed child takes the daemon down, and the table keeps its entries. */
static void
test_killed(const char *which)
{
	char what[64];
	pid_t pid;
	long child;
	int status;

	reset_files();
	write_conf("fake-mailserver " FAKE_MX "\n"
	    "real-mailserver " REAL_MX "\n");
	pid = start_daemon();
	CHECK(logged("started (pf port)"), OS ": started again");
	syn("198.51.100.1", FAKE_MX, PFLOG_ACTION_PASS);
	(void)logged("whitelist sibling 198.51.100.11");
	child = logged_pid(strcmp(which, "engine") == 0 ?
	    "engine process " : "resolver process ");
	CHECK(child > 0 && kill((pid_t)child, SIGKILL) == 0,
	    OS ": the %s is killed (%ld)", which, child);
	status = wait_exit(pid);
	snprintf(what, sizeof(what), "%s process killed by signal 9", which);
	CHECK(status != -1 && logged(what),
	    OS ": the daemon ends, and says why (%s)", what);
	CHECK(file_has(tables, "mx-white 198.51.100.1") &&
	    file_has(tables, "mx-white 198.51.100.11"),
	    OS ": the table keeps its entries for the next start");
	CHECK(access(pidfile, F_OK) == -1, OS ": no pidfile left");
	if (strcmp(which, "resolver") == 0)
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 1 &&
		    logged("stopping: the resolver process is gone") &&
		    logged("engine process exited\n"),
		    OS ": without its resolver the engine stops cleanly, "
		    "and the daemon's exit status says it failed");
	else
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 1,
		    OS ": a dead engine is a failure: exit status 1");
}

/*
 * Logging survives a syslogd restart: the engine's lines go through the
 * parent, which reconnects; the engine itself never could.
 */
static void
test_syslog_restart(void)
{
	pid_t pid;
	int rx, status;

	reset_files();
	write_conf("fake-mailserver " FAKE_MX "\n"
	    "real-mailserver " REAL_MX "\n");
	rx = receiver_start();
	pid = start_daemon_logging(true);
	CHECK(received(rx, "started (pf port)"),
	    OS ": the engine's lines reach syslog");
	close(rx);
	rx = receiver_start();
	syn("198.51.100.1", FAKE_MX, PFLOG_ACTION_PASS);
	CHECK(received(rx, "whitelist 198.51.100.1 -> " FAKE_MX),
	    OS ": after syslogd restarts, the engine's lines still arrive");
	CHECK(received(rx, "rdns 198.51.100.1: found pool.test"),
	    OS ": and so do the next ones");
	kill(pid, SIGTERM);
	CHECK(received(rx, "exiting on signal") &&
	    received(rx, "engine process exited"),
	    OS ": the engine's last lines and the parent's own arrive too");
	status = wait_exit(pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    OS ": and the daemon exits 0");
	close(rx);
	unlink(syslog_path);
}

/*
 * A stand-in for redis-server, in a thread of the test: it speaks as much
 * of the protocol as the sync engine uses (SUBSCRIBE, SCAN, MGET,
 * PUBLISH, SET, DEL), holds one stored entry, remembers what it was told,
 * and pushes a message to the subscriber when the test asks.
 */
struct fake_redis {
	int		 lfd;
	int		 ctl[2];	/* the test's messages to push */
	int		 conns[4];
	char		 buf[4][4096];
	size_t		 have[4];
	int		 sub;		/* the subscribed connection; -1 */
	char		 stored[128];	/* the value of the one key */
	char		 told[8192];	/* PUBLISH and SET lines, in order */
	pthread_mutex_t	 lock;
	pthread_t	 thread;
};

static struct fake_redis fr;

static void
fr_bulk(int fd, const char *s)
{
	char head[32];

	snprintf(head, sizeof(head), "$%zu\r\n", strlen(s));
	(void)!write(fd, head, strlen(head));
	(void)!write(fd, s, strlen(s));
	(void)!write(fd, "\r\n", 2);
}

/* One command, argv[0..argc), from connection i. */
static void
fr_command(int i, int argc, char **argv)
{
	int fd = fr.conns[i], k;

	if (argc >= 2 && strcasecmp(argv[0], "SUBSCRIBE") == 0) {
		fr.sub = i;
		(void)!write(fd, "*3\r\n", 4);
		fr_bulk(fd, "subscribe");
		fr_bulk(fd, argv[1]);
		(void)!write(fd, ":1\r\n", 4);
	} else if (strcasecmp(argv[0], "SCAN") == 0) {
		(void)!write(fd, "*2\r\n", 4);
		fr_bulk(fd, "0");
		(void)!write(fd, "*1\r\n", 4);
		fr_bulk(fd, "mxallowd:203.0.113.5/32");
	} else if (strcasecmp(argv[0], "MGET") == 0) {
		dprintf(fd, "*%d\r\n", argc - 1);
		for (k = 1; k < argc; k++)
			if (strcmp(argv[k], "mxallowd:203.0.113.5/32") == 0)
				fr_bulk(fd, fr.stored);
			else
				(void)!write(fd, "$-1\r\n", 5);
	} else if (argc == 3 && strcasecmp(argv[0], "PUBLISH") == 0) {
		pthread_mutex_lock(&fr.lock);
		snprintf(fr.told + strlen(fr.told), sizeof(fr.told) -
		    strlen(fr.told), "PUBLISH %s %s\n", argv[1], argv[2]);
		pthread_mutex_unlock(&fr.lock);
		(void)!write(fd, ":0\r\n", 4);
	} else if (argc >= 3 && strcasecmp(argv[0], "SET") == 0) {
		pthread_mutex_lock(&fr.lock);
		snprintf(fr.told + strlen(fr.told), sizeof(fr.told) -
		    strlen(fr.told), "SET %s %s %s\n", argv[1], argv[2],
		    argc > 3 ? argv[3] : "");
		pthread_mutex_unlock(&fr.lock);
		(void)!write(fd, "+OK\r\n", 5);
	} else if (strcasecmp(argv[0], "DEL") == 0)
		(void)!write(fd, ":1\r\n", 4);
	else
		(void)!write(fd, "-ERR unknown\r\n", 14);
}

/* The complete commands in connection i's buffer; the rest waits. */
static void
fr_parse(int i)
{
	char *p = fr.buf[i], *end = fr.buf[i] + fr.have[i], *argv[16], *nl;
	int argc, n, k;
	long len;

	for (;;) {
		char *q = p;

		if (q >= end || *q != '*' || (nl = memchr(q, '\n', (size_t)(end -
		    q))) == NULL)
			break;
		n = atoi(q + 1);
		q = nl + 1;
		for (argc = 0, k = 0; k < n && k < 16; k++) {
			if (q >= end || *q != '$' || (nl = memchr(q, '\n',
			    (size_t)(end - q))) == NULL)
				break;
			len = atol(q + 1);
			q = nl + 1;
			if (end - q < len + 2)
				break;
			q[len] = '\0';
			argv[argc++] = q;
			q += len + 2;
		}
		if (argc != n)
			break;
		fr_command(i, argc, argv);
		p = q;
	}
	fr.have[i] = (size_t)(end - p);
	memmove(fr.buf[i], p, fr.have[i]);
}

static void *
fr_run(void *arg)
{
	struct pollfd pfd[6];
	char msg[256];
	ssize_t n;
	int i;

	(void)arg;
	for (;;) {
		pfd[0].fd = fr.lfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = fr.ctl[0];
		pfd[1].events = POLLIN;
		for (i = 0; i < 4; i++) {
			pfd[2 + i].fd = fr.conns[i];
			pfd[2 + i].events = POLLIN;
		}
		if (poll(pfd, 6, 1000) == -1)
			continue;
		if (pfd[0].revents & POLLIN)
			for (i = 0; i < 4; i++)
				if (fr.conns[i] == -1) {
					fr.conns[i] = accept(fr.lfd, NULL,
					    NULL);
					fr.have[i] = 0;
					break;
				}
		/* The test's end closed (POLLHUP on a pipe): done. */
		if (pfd[1].revents & (POLLIN | POLLHUP)) {
			if ((n = read(fr.ctl[0], msg, sizeof(msg) - 1)) <= 0)
				break;
			msg[n] = '\0';
			if (fr.sub != -1) {
				(void)!write(fr.conns[fr.sub], "*3\r\n", 4);
				fr_bulk(fr.conns[fr.sub], "message");
				fr_bulk(fr.conns[fr.sub], "mxallowd");
				fr_bulk(fr.conns[fr.sub], msg);
			}
		}
		for (i = 0; i < 4; i++) {
			if (fr.conns[i] == -1 || !(pfd[2 + i].revents &
			    (POLLIN | POLLHUP)))
				continue;
			n = read(fr.conns[i], fr.buf[i] + fr.have[i],
			    sizeof(fr.buf[i]) - 1 - fr.have[i]);
			if (n <= 0) {
				close(fr.conns[i]);
				fr.conns[i] = -1;
				if (fr.sub == i)
					fr.sub = -1;
				continue;
			}
			fr.have[i] += (size_t)n;
			fr_parse(i);
		}
	}
	for (i = 0; i < 4; i++)
		if (fr.conns[i] != -1)
			close(fr.conns[i]);
	return NULL;
}

static bool
fr_told(const char *text)
{
	bool yes;
	int i;

	for (i = 0; i < WAIT_TENTHS; i++) {
		pthread_mutex_lock(&fr.lock);
		yes = strstr(fr.told, text) != NULL;
		pthread_mutex_unlock(&fr.lock);
		if (yes)
			return true;
		usleep(100000);
	}
	return false;
}

static long long
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Sharing the whitelist on pf: the engine may open no socket, so its
 * connections come from the parent (SYNC_CONNECT); the stored entry and a
 * published one reach pf's table through the parent, and the engine's
 * own whitelisting is published and stored.
 */
static void
test_sync(void)
{
	struct sockaddr_un sun;
	char sock[160], conftext[512], msg[128];
	pid_t pid;
	int status, i;

	memset(&fr, 0, sizeof(fr));
	fr.sub = -1;
	for (i = 0; i < 4; i++)
		fr.conns[i] = -1;
	pthread_mutex_init(&fr.lock, NULL);
	snprintf(sock, sizeof(sock), "%s/redis.sock", dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(sock) >= sizeof(sun.sun_path)) {
		CHECK(0, OS ": %s: too long for a socket", sock);
		return;
	}
	memcpy(sun.sun_path, sock, strlen(sock) + 1);
	snprintf(fr.stored, sizeof(fr.stored), "mxallowd/1 gate-x add "
	    "203.0.113.5/32 %lld", wall_ms() + 300000);
	if ((fr.lfd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(fr.lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fr.lfd, 4) == -1 || pipe(fr.ctl) == -1) {
		CHECK(0, OS ": the stand-in for redis-server listens");
		return;
	}
	reset_files();
	snprintf(conftext, sizeof(conftext), "fake-mailserver " FAKE_MX "\n"
	    "real-mailserver " REAL_MX "\ntable mx-white\n"
	    "whitelist-time 600\nsync unix://%s\nsync-name gate-pf\n", sock);
	write_conf(conftext);
	pid = start_daemon();
	pthread_create(&fr.thread, NULL, fr_run, NULL);
	/* Up to 30 s: three processes and a thread, slower under TSan. */
	CHECK((logged("sync: connected to unix://") ||
	    logged("sync: connected to unix://") ||
	    logged("sync: connected to unix://")) &&
	    logged("sync: 1 stored entries read"),
	    OS ": the engine's sync thread connects through the parent, and "
	    "reads the store");
	syn("198.51.100.1", FAKE_MX, PFLOG_ACTION_PASS);
	CHECK(fr_told("PUBLISH mxallowd mxallowd/1 gate-pf add "
	    "198.51.100.1/32 ") && fr_told("SET mxallowd:198.51.100.1/32 "
	    "mxallowd/1 gate-pf add 198.51.100.1/32 "),
	    OS ": a fake-MX hit at the engine is published and stored");
	snprintf(msg, sizeof(msg), "mxallowd/1 gate-x add 203.0.113.6/32 %lld",
	    wall_ms() + 300000);
	(void)!write(fr.ctl[1], msg, strlen(msg));
	CHECK(logged("sync: gate-x whitelisted 203.0.113.6"),
	    OS ": another gate's event is taken");
	kill(pid, SIGTERM);
	status = wait_exit(pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    OS ": the daemon exits 0 (%#x)", status);
	CHECK(file_has(tables, "mx-white 203.0.113.5") &&
	    file_has(tables, "mx-white 203.0.113.6") &&
	    file_has(tables, "mx-white 198.51.100.1") &&
	    file_has(tables, "bad 0"),
	    OS ": the stored and the published entries reached pf's table "
	    "through the parent, beside the engine's own");
	CHECK(!file_has(logfile, "deciding alone"),
	    OS ": no outage on the way");
	close(fr.ctl[1]);
	pthread_join(fr.thread, NULL);
	close(fr.ctl[0]);
	close(fr.lfd);
	unlink(sock);
	pthread_mutex_destroy(&fr.lock);
}

int
main(void)
{
	int failed;

	signal(SIGPIPE, SIG_IGN);
	log_init("test_pfprocs", true, LOG_LEVEL_QUIET);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(conf, sizeof(conf), "%s/mxallowd.conf", dir);
	snprintf(pidfile, sizeof(pidfile), "%s/mxallowd.pid", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(logfile, sizeof(logfile), "%s/log", dir);
	snprintf(tables, sizeof(tables), "%s/tables", dir);
	snprintf(syslog_path, sizeof(syslog_path), "%s/syslog", dir);
	snprintf(capreport, sizeof(capreport), "%s/capsicum", dir);
	snprintf(ctlsock, sizeof(ctlsock), "%s/ctl.sock", dir);
	snprintf(partner_path, sizeof(partner_path), "%s/partner", dir);
	failed = t_failed;
	test_run();
	show_log(failed);
#ifdef PFCOMPAT_CAPSICUM
	test_capsicum();
	if (getenv("KEEP_CAPREPORT") == NULL)
		unlink(capreport);
#endif
	failed = t_failed;
	test_allow();
	show_log(failed);
	failed = t_failed;
	test_allow_control();
	show_log(failed);
	failed = t_failed;
	test_allow_names();
	show_log(failed);
	failed = t_failed;
	test_fake_answer();
	show_log(failed);
	failed = t_failed;
	test_killed("engine");
	show_log(failed);
	failed = t_failed;
	test_killed("resolver");
	show_log(failed);
	failed = t_failed;
	test_sync();
	show_log(failed);
	test_syslog_restart();
	reset_files();
	unlink(conf);
	rmdir(dir);
	return T_DONE();
}
