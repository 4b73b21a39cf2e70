/*
 * Unit tests for pf/privsep.c: the request checks, and the table client
 * talking to a real forked child over the channel, the child working on
 * tests/pfcompat/fake_pf.c (without confinement: that needs a BSD).
 * Built once per pf layout (OpenBSD, FreeBSD): see mk/pf.mk.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <net/pfvar.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "fake_pf.h"
#include "log.h"
#include "metrics.h"
#include "privsep.h"
#include "state.h"
#include "table.h"
#include "whitelist.h"
#include "t.h"

#define TABLE	"mx-white"
#define OS	PFCOMPAT_OS

static char	why[256];

static struct pft_request *
request(enum pft_op op, const char *table, uint32_t count)
{
	static struct pft_request req;
	uint32_t i;

	memset(&req, 0, sizeof(req));
	req.op = op;
	req.count = count;
	snprintf(req.table, sizeof(req.table), "%s", table);
	for (i = 0; i < count; i++) {
		req.addrs[i].af = 4;
		req.addrs[i].net = 32;
		req.addrs[i].addr[0] = 10;
		req.addrs[i].addr[2] = (uint8_t)(i >> 8);
		req.addrs[i].addr[3] = (uint8_t)i;
	}
	return &req;
}

static int
check(const struct pft_request *req, size_t len)
{
	why[0] = '\0';
	return privsep_check_request(req, len, TABLE, why, sizeof(why));
}

static void
test_checks(void)
{
	struct pft_request *req;
	int rc;

	req = request(PFT_OP_ADD, TABLE, 3);
	rc = check(req, PFT_REQUEST_SIZE(3));
	CHECK(rc == 0, OS ": well-formed addition accepted (%s)", why);
	req = request(PFT_OP_DEL, TABLE, PFT_BATCH);
	rc = check(req, PFT_REQUEST_SIZE(PFT_BATCH));
	CHECK(rc == 0, OS ": full deletion batch accepted (%s)", why);
	req = request(PFT_OP_ADDTABLE, TABLE, 0);
	rc = check(req, PFT_REQUEST_SIZE(0));
	CHECK(rc == 0, OS ": table creation accepted (%s)", why);
	req = request(PFT_OP_ADDTABLE, TABLE, 0);
	req->op = PRIVSEP_OP_STATE_OPEN;
	rc = check(req, PFT_REQUEST_SIZE(0));
	CHECK(rc == 0, OS ": state file opening accepted (%s)", why);
	req->op = PRIVSEP_OP_STATE_DISCARD;
	rc = check(req, PFT_REQUEST_SIZE(0));
	CHECK(rc == 0, OS ": state file discarding accepted (%s)", why);
	req = request(PFT_OP_ADD, TABLE, 1);
	req->op = PRIVSEP_OP_STATE_KEEP;
	rc = check(req, PFT_REQUEST_SIZE(1));
	CHECK(rc == -1, OS ": state file request with an address refused "
	    "(%s)", why);
	req = request(PFT_OP_ADDTABLE, "mx-other", 0);
	req->op = PRIVSEP_OP_STATE_OPEN;
	rc = check(req, PFT_REQUEST_SIZE(0));
	CHECK(rc == -1, OS ": state file request for another table refused "
	    "(%s)", why);
	req = request(PFT_OP_ADDTABLE, TABLE, 0);
	req->op = PRIVSEP_OP_SYNC_CONNECT + 1;
	rc = check(req, PFT_REQUEST_SIZE(0));
	CHECK(rc == -1, OS ": operation past the last one refused (%s)",
	    why);
	req = request(PFT_OP_ADDTABLE, TABLE, 0);
	req->op = PRIVSEP_OP_METRICS_OPEN;
	rc = check(req, PFT_REQUEST_SIZE(0));
	CHECK(rc == 0, OS ": metrics file opening accepted (%s)", why);
	req->op = PRIVSEP_OP_METRICS_KEEP;
	rc = check(req, PFT_REQUEST_SIZE(0));
	CHECK(rc == 0, OS ": metrics file keeping accepted (%s)", why);
	req->op = PRIVSEP_OP_METRICS_DISCARD;
	rc = check(req, PFT_REQUEST_SIZE(0));
	CHECK(rc == 0, OS ": metrics file discarding accepted (%s)", why);
	rc = check(req, PFT_REQUEST_SIZE(0) - 1);
	CHECK(rc == -1, OS ": short metrics file request refused (%s)", why);
	req = request(PFT_OP_ADD, TABLE, 1);
	req->op = PRIVSEP_OP_METRICS_OPEN;
	rc = check(req, PFT_REQUEST_SIZE(1));
	CHECK(rc == -1, OS ": metrics file request with an address refused "
	    "(%s)", why);
	req = request(PFT_OP_ADDTABLE, "mx-other", 0);
	req->op = PRIVSEP_OP_METRICS_KEEP;
	rc = check(req, PFT_REQUEST_SIZE(0));
	CHECK(rc == -1, OS ": metrics file request for another table refused "
	    "(%s)", why);
	req = request(PFT_OP_ADDTABLE, TABLE, 0);
	req->op = PRIVSEP_OP_METRICS_OPEN;
	memset(req->table + strlen(TABLE) + 1, 'x', 2);
	rc = check(req, PFT_REQUEST_SIZE(0));
	CHECK(rc == -1, OS ": metrics file request with a name not "
	    "zero-padded refused (%s)", why);
	req = request(PFT_OP_ADDTABLE, "mx-renamed", 0);
	req->op = PRIVSEP_OP_TABLE_MOVE;
	rc = check(req, PFT_REQUEST_SIZE(0));
	CHECK(rc == 0, OS ": a move names another table: passed on to the "
	    "server, which checks it (%s)", why);
	req = request(PFT_OP_ADD, "mx-renamed", 1);
	req->op = PRIVSEP_OP_TABLE_MOVE;
	rc = check(req, PFT_REQUEST_SIZE(1));
	CHECK(rc == -1, OS ": a move with addresses refused (%s)", why);
	req = request(PFT_OP_ADDTABLE, "mx-other", 0);
	req->op = PRIVSEP_OP_CONFIG_OPEN;
	rc = check(req, PFT_REQUEST_SIZE(0));
	CHECK(rc == -1, OS ": opening the configuration for another table "
	    "refused (%s)", why);
	req = request(PFT_OP_ADDTABLE, TABLE, 0);
	req->op = PRIVSEP_OP_ALLOW_OPEN;
	rc = check(req, PFT_REQUEST_SIZE(0));
	CHECK(rc == 0, OS ": opening the allow-file, no addresses, the "
	    "table's name: passed on (%s)", why);
	req = request(PFT_OP_ADDTABLE, "mx-other", 0);
	req->op = PRIVSEP_OP_ALLOW_OPEN;
	rc = check(req, PFT_REQUEST_SIZE(0));
	CHECK(rc == -1, OS ": opening the allow-file for another table "
	    "refused (%s)", why);
	req = request(PFT_OP_ADD, TABLE, 1);
	req->op = PRIVSEP_OP_ALLOW_OPEN;
	rc = check(req, PFT_REQUEST_SIZE(1));
	CHECK(rc == -1, OS ": opening the allow-file with addresses "
	    "refused (%s)", why);
	req = request(PFT_OP_ADDTABLE, TABLE, 0);
	req->op = PRIVSEP_OP_ALLOW_OPEN;
	req->table[sizeof(req->table) - 1] = 'x';
	rc = check(req, PFT_REQUEST_SIZE(0));
	CHECK(rc == -1, OS ": opening the allow-file with a name not "
	    "zero-padded refused (%s)", why);
	req->addrs[0].af = 6;
	req->addrs[0].net = 128;
	req->addrs[0].addr[0] = 0x20;
	req = request(PFT_OP_ADD, TABLE, 1);
	req->addrs[0].af = 6;
	req->addrs[0].net = 64;
	memset(req->addrs[0].addr, 0, 16);
	req->addrs[0].addr[0] = 0x20;
	req->addrs[0].addr[1] = 0x01;
	rc = check(req, PFT_REQUEST_SIZE(1));
	CHECK(rc == 0, OS ": IPv6 /64 accepted (%s)", why);

	req = request(PFT_OP_ADD, TABLE, 1);
	rc = check(req, 7);
	CHECK(rc == -1, OS ": short message refused (%s)", why);
	rc = check(req, offsetof(struct pft_request, addrs) - 1);
	CHECK(rc == -1, OS ": message without the whole header refused (%s)",
	    why);
	rc = check(req, sizeof(*req) + 1);
	CHECK(rc == -1, OS ": oversized message refused (%s)", why);
	rc = check(req, PFT_REQUEST_SIZE(2));
	CHECK(rc == -1, OS ": length beyond the count refused (%s)", why);
	rc = check(req, PFT_REQUEST_SIZE(1) - 1);
	CHECK(rc == -1, OS ": length short of the count refused (%s)", why);
	req = request(PFT_OP_ADD, TABLE, 1);
	req->count = PFT_BATCH + 1;
	rc = check(req, sizeof(*req));
	CHECK(rc == -1, OS ": count over PFT_BATCH refused (%s)", why);
	req = request(PFT_OP_ADD, TABLE, 0);
	rc = check(req, PFT_REQUEST_SIZE(0));
	CHECK(rc == -1, OS ": empty addition refused (%s)", why);
	req = request(PFT_OP_ADDTABLE, TABLE, 1);
	rc = check(req, PFT_REQUEST_SIZE(1));
	CHECK(rc == -1, OS ": table creation with addresses refused (%s)",
	    why);
	req = request(0, TABLE, 1);
	rc = check(req, PFT_REQUEST_SIZE(1));
	CHECK(rc == -1, OS ": operation 0 refused (%s)", why);
	req = request(PFT_OP_DEL + 1, TABLE, 1);
	rc = check(req, PFT_REQUEST_SIZE(1));
	CHECK(rc == -1, OS ": unknown operation refused (%s)", why);

	req = request(PFT_OP_ADD, "mx-black", 1);
	rc = check(req, PFT_REQUEST_SIZE(1));
	CHECK(rc == -1, OS ": another table refused (%s)", why);
	req = request(PFT_OP_ADDTABLE, "mx-whitelist", 0);
	rc = check(req, PFT_REQUEST_SIZE(0));
	CHECK(rc == -1, OS ": a longer name with our prefix refused (%s)",
	    why);
	req = request(PFT_OP_ADD, "", 1);
	rc = check(req, PFT_REQUEST_SIZE(1));
	CHECK(rc == -1, OS ": empty table name refused (%s)", why);
	req = request(PFT_OP_ADD, TABLE, 1);
	memset(req->table, 'a', sizeof(req->table));
	rc = check(req, PFT_REQUEST_SIZE(1));
	CHECK(rc == -1, OS ": unterminated table name refused (%s)", why);
	req = request(PFT_OP_ADD, TABLE, 1);
	req->table[sizeof(req->table) - 1] = 'z';
	rc = check(req, PFT_REQUEST_SIZE(1));
	CHECK(rc == -1, OS ": table name with trailing bytes refused (%s)",
	    why);

	req = request(PFT_OP_ADD, TABLE, 2);
	req->addrs[1].af = 2;
	rc = check(req, PFT_REQUEST_SIZE(2));
	CHECK(rc == -1, OS ": address family 2 (AF_INET) refused (%s)", why);
	req = request(PFT_OP_ADD, TABLE, 2);
	req->addrs[1].net = 0;
	req->addrs[1].addr[0] = 0;
	req->addrs[1].addr[3] = 0;
	rc = check(req, PFT_REQUEST_SIZE(2));
	CHECK(rc == -1, OS ": prefix 0 refused (%s)", why);
	req = request(PFT_OP_ADD, TABLE, 2);
	req->addrs[1].net = 33;
	rc = check(req, PFT_REQUEST_SIZE(2));
	CHECK(rc == -1, OS ": IPv4 prefix 33 refused (%s)", why);
	req = request(PFT_OP_ADD, TABLE, 1);
	req->addrs[0].af = 6;
	req->addrs[0].net = 129;
	rc = check(req, PFT_REQUEST_SIZE(1));
	CHECK(rc == -1, OS ": IPv6 prefix 129 refused (%s)", why);
	req = request(PFT_OP_ADD, TABLE, 2);
	req->addrs[1].net = 24;
	rc = check(req, PFT_REQUEST_SIZE(2));
	CHECK(rc == -1, OS ": host bits past the prefix refused (%s)", why);
	req = request(PFT_OP_ADD, TABLE, 1);
	req->addrs[0].addr[4] = 1;
	rc = check(req, PFT_REQUEST_SIZE(1));
	CHECK(rc == -1, OS ": bytes past an IPv4 address refused (%s)", why);
	req = request(PFT_OP_ADD, TABLE, 1);
	req->addrs[0].pad[1] = 1;
	rc = check(req, PFT_REQUEST_SIZE(1));
	CHECK(rc == -1, OS ": non-zero padding refused (%s)", why);
}

/* A child of our own on privsep_serve(), fed raw messages. */
static void
test_serve(void)
{
	struct privsep_reply rep;
	struct pft_request *req;
	char big[sizeof(struct pft_request) + 64];
	int sv[2], status;
	ssize_t n;
	pid_t pid;

	fake_pf_reset(TABLE);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1 ||
	    (pid = fork()) == -1) {
		CHECK(0, OS ": socketpair and fork");
		return;
	}
	if (pid == 0) {
		close(sv[0]);
		_exit(privsep_serve(sv[1], FAKE_PF_FD, TABLE, NULL) == 0 ?
		    0 : 1);
	}
	close(sv[1]);

	send(sv[0], "abc", 3, 0);
	n = recv(sv[0], &rep, sizeof(rep), 0);
	CHECK(n == sizeof(rep) && rep.error == EPERM,
	    OS ": 3-byte message answered EPERM");
	memset(big, 0, sizeof(big));
	req = request(PFT_OP_ADDTABLE, TABLE, 0);
	memcpy(big, req, PFT_REQUEST_SIZE(0));
	send(sv[0], big, sizeof(big), 0);
	n = recv(sv[0], &rep, sizeof(rep), 0);
	CHECK(n == sizeof(rep) && rep.error == EPERM,
	    OS ": oversized message answered EPERM");
	req = request(PFT_OP_ADD, "other", 1);
	send(sv[0], req, PFT_REQUEST_SIZE(1), 0);
	n = recv(sv[0], &rep, sizeof(rep), 0);
	CHECK(n == sizeof(rep) && rep.error == EPERM,
	    OS ": request for another table answered EPERM");
	req = request(PFT_OP_ADD, TABLE, 2);
	send(sv[0], req, PFT_REQUEST_SIZE(2), 0);
	n = recv(sv[0], &rep, sizeof(rep), 0);
	CHECK(n == sizeof(rep) && rep.error == ESRCH,
	    OS ": addition to a missing table answered ESRCH");
	req = request(PFT_OP_ADDTABLE, TABLE, 0);
	send(sv[0], req, PFT_REQUEST_SIZE(0), 0);
	n = recv(sv[0], &rep, sizeof(rep), 0);
	CHECK(n == sizeof(rep) && rep.error == 0 && rep.changed == 1,
	    OS ": table created through the channel");
	req = request(PFT_OP_ADD, TABLE, 2);
	send(sv[0], req, PFT_REQUEST_SIZE(2), 0);
	n = recv(sv[0], &rep, sizeof(rep), 0);
	CHECK(n == sizeof(rep) && rep.error == 0 && rep.changed == 2,
	    OS ": two addresses added through the channel");
	close(sv[0]);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    OS ": the child leaves when the parent closes the channel");
}

/*
 * Does the child hold an address?  Adding it again adds nothing if so;
 * if it did add it, delete it again.
 */
static bool
holds(struct privsep *ps, const char *text)
{
	struct pft_request *req = request(PFT_OP_ADD, TABLE, 1);
	struct mx_addr a;
	int changed, err;

	addr_parse(text, &a);
	pft_addr_make(&req->addrs[0], &a, PFT_HOST);
	if ((err = privsep_exec(ps, req, &changed)) != 0)
		return false;
	if (changed == 0)
		return true;
	req->op = PFT_OP_DEL;
	privsep_exec(ps, req, &changed);
	return false;
}

/*
 * The serving side in a child of ours, as the parent of the pf port
 * serves the engine: privsep_serve() until the channel closes.
 */
static pid_t	server_pid;

static struct privsep *
start(const char *state_file)
{
	struct state_writer sw;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1)
		abort();
	if ((server_pid = fork()) == 0) {
		close(sv[0]);
		state_writer_init(&sw, state_file);
		_exit(privsep_serve(sv[1], FAKE_PF_FD, TABLE,
		    state_file != NULL ? &sw : NULL) == 0 ? 0 : 1);
	}
	close(sv[1]);
	return privsep_connect(sv[0], TABLE);
}

/* Close the channel; the server's exit status, or -1. */
static int
stop(struct privsep *ps)
{
	int status;

	privsep_stop(ps);
	if (waitpid(server_pid, &status, 0) == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void
test_channel(void)
{
	/*
	 * Static: the children forked below inherit the whitelist, and
	 * valgrind counts what a child can no longer reach as leaked.
	 */
	static struct whitelist *wl;
	struct pftable *t;
	struct privsep *ps;
	struct mx_addr a;
	struct pft_request *req;
	uint64_t errors = 0;
	int rc, changed, err;
	bool h1, h2, h3;

	wl = wl_create(0, 1, NULL, NULL);

	/* The table vanished under the daemon: ESRCH crosses the channel. */
	fake_pf_reset(TABLE);
	fake_pf_fail(DIOCRADDADDRS, ESRCH, 1);
	ps = start(NULL);
	t = pft_create(TABLE, wl, privsep_exec, ps);
	pft_set_error_counter(t, &errors);
	rc = pft_ensure(t);
	CHECK(rc == 0 && errors == 0, OS ": table ensured through privsep");
	addr_parse("192.0.2.1", &a);
	wl_insert(wl, &a, 100);
	addr_parse("2001:db8::1", &a);
	wl_insert(wl, &a, 100);
	addr_parse("192.0.2.2", &a);
	wl_insert(wl, &a, 100);
	pft_add(t, &a, PFT_HOST);
	pft_flush(t);
	h1 = holds(ps, "192.0.2.1");
	h2 = holds(ps, "2001:db8::1");
	h3 = holds(ps, "192.0.2.2");
	CHECK(errors == 0 && h1 && h2 && h3,
	    OS ": ESRCH in the child: table restored with every live entry");
	pft_del(t, &a, PFT_HOST);
	pft_flush(t);
	h1 = holds(ps, "192.0.2.1");
	h3 = holds(ps, "192.0.2.2");
	CHECK(errors == 0 && !h3 && h1,
	    OS ": deletion through the channel");

	req = request(PFT_OP_ADD, "mx-other", 1);
	err = privsep_exec(ps, req, &changed);
	CHECK(err == EPERM && changed == 0,
	    OS ": the child refuses another table");
	req = request(PFT_OP_DEL, TABLE, 1);
	req->addrs[0].addr[3] = 5;
	req->addrs[0].net = 8;
	err = privsep_exec(ps, req, &changed);
	CHECK(err == EPERM, OS ": the child refuses a malformed address");
	h1 = holds(ps, "192.0.2.1");
	CHECK(h1, OS ": and serves on");

	rc = stop(ps);
	CHECK(rc == 0, OS ": the server exits cleanly when the channel "
	    "closes");
	pft_destroy(t);

	/* An error in the child reaches the parent's log and counter. */
	fake_pf_reset(TABLE);
	fake_pf_insert(TABLE, 4, "192.0.2.200", 32, 0, false);
	fake_pf_fail(DIOCRADDADDRS, ENODEV, 1);
	ps = start(NULL);
	t = pft_create(TABLE, wl, privsep_exec, ps);
	pft_set_error_counter(t, &errors);
	pft_add(t, &a, PFT_HOST);
	pft_flush(t);
	h3 = holds(ps, "192.0.2.2");
	CHECK(errors == 1 && !h3,
	    OS ": ENODEV in the child logged and counted by the parent");
	pft_add(t, &a, PFT_HOST);
	pft_flush(t);
	h3 = holds(ps, "192.0.2.2");
	h1 = holds(ps, "192.0.2.200");
	CHECK(errors == 1 && h3 && h1, OS ": and the table works on");
	rc = stop(ps);
	CHECK(rc == 0, OS ": second server exited cleanly");
	pft_destroy(t);
	wl_destroy(wl);
}

/* The names in dir, but "." and "..", joined by spaces, sorted. */
static void
list_dir(const char *dir, char *out, size_t outlen)
{
	char names[8][64];
	struct dirent *e;
	size_t n = 0, i, j;
	DIR *dp;

	out[0] = '\0';
	if ((dp = opendir(dir)) == NULL)
		return;
	while ((e = readdir(dp)) != NULL && n < 8)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..")
		    != 0)
			snprintf(names[n++], sizeof(names[0]), "%.60s",
			    e->d_name);
	closedir(dp);
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char t[64];

			memcpy(t, names[j], sizeof(t));
			memcpy(names[j], names[j - 1], sizeof(t));
			memcpy(names[j - 1], t, sizeof(t));
		}
	for (i = 0; i < n; i++)
		snprintf(out + strlen(out), outlen - strlen(out), "%s%s",
		    i ? " " : "", names[i]);
}

static size_t
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}

/*
 * The state file through the channel: the child creates its directory,
 * hands out a temporary file, renames it in place or removes it; the
 * parent only writes.
 */
static void
test_state_file(void)
{
	static struct whitelist *wl, *back;
	struct privsep *ps;
	struct mx_addr a;
	char top[] = "/tmp/test_privsep_state.XXXXXX", dir[64], path[80];
	char names[256], err[256];
	size_t loaded, size;
	int fd, fd2, rc;
	ssize_t n;

	if (mkdtemp(top) == NULL) {
		CHECK(0, OS ": temporary directory");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/db", top);
	snprintf(path, sizeof(path), "%s/state", dir);
	wl = wl_create(0, 1, NULL, NULL);
	addr_parse("198.51.100.7", &a);
	wl_insert(wl, &a, 1000);
	addr_parse("2001:db8::7", &a);
	wl_insert(wl, &a, 2000);

	fake_pf_reset(TABLE);
	ps = start(path);

	fd = privsep_state_open(ps, err, sizeof(err));
	list_dir(dir, names, sizeof(names));
	CHECK(fd != -1 && strncmp(names, ".state.", 7) == 0 &&
	    strchr(names, ' ') == NULL,
	    OS ": the child made the directory and one temporary file (%s)",
	    names);
	rc = state_write(fd, wl, 1700000000, 0, err, sizeof(err));
	close(fd);
	CHECK(rc == 0, OS ": the parent wrote the whitelist into it (%s)",
	    rc ? err : "ok");
	rc = privsep_state_close(ps, true, err, sizeof(err));
	list_dir(dir, names, sizeof(names));
	CHECK(rc == 0 && strcmp(names, "state") == 0,
	    OS ": kept: renamed to the state file, nothing else left (%s)",
	    names);
	back = wl_create(0, 2, NULL, NULL);
	rc = state_load(path, back, 1700000000, 0, &loaded, err, sizeof(err));
	addr_parse("2001:db8::7", &a);
	CHECK(rc == 0 && loaded == 2 && wl_contains(back, &a, 1999) &&
	    !wl_contains(back, &a, 2000),
	    OS ": and it reads back with both entries and their expiry");
	wl_destroy(back);

	/* A failed save: discarded, the old file stays. */
	size = file_size(path);
	fd = privsep_state_open(ps, err, sizeof(err));
	n = write(fd, "half a li", 9);
	close(fd);
	rc = privsep_state_close(ps, false, err, sizeof(err));
	list_dir(dir, names, sizeof(names));
	CHECK(n == 9 && rc == 0 && strcmp(names, "state") == 0 &&
	    file_size(path) == size,
	    OS ": discarded: the temporary file is gone, the state file "
	    "unchanged (%s)", names);

	/* A temporary file left open is replaced by the next. */
	fd = privsep_state_open(ps, err, sizeof(err));
	fd2 = privsep_state_open(ps, err, sizeof(err));
	list_dir(dir, names, sizeof(names));
	CHECK(fd != -1 && fd2 != -1 && strchr(names, ' ') != NULL &&
	    strchr(strchr(names, ' ') + 1, ' ') == NULL,
	    OS ": a forgotten temporary file is removed by the next opening "
	    "(%s)", names);
	close(fd);
	close(fd2);
	rc = privsep_state_close(ps, true, err, sizeof(err));
	CHECK(rc == 0 && file_size(path) == 0,
	    OS ": and the newest one is what gets kept");
	rc = privsep_state_close(ps, true, err, sizeof(err));
	CHECK(rc == -1 && strstr(err, strerror(ENOENT)) != NULL,
	    OS ": keeping with no temporary file open fails (%s)", err);
	rc = stop(ps);
	CHECK(rc == 0, OS ": the state file's server exited cleanly");

	/* state-file none: the server writes nothing. */
	ps = start(NULL);
	err[0] = '\0';
	fd = privsep_state_open(ps, err, sizeof(err));
	CHECK(fd == -1 && strstr(err, strerror(ENOENT)) != NULL,
	    OS ": without a state file, opening one is refused (%s)", err);
	stop(ps);

	unlink(path);
	rmdir(dir);
	rmdir(top);
	wl_destroy(wl);
}

/* A server with a metrics file only, as the parent serves the engine. */
static struct privsep *
start_metrics(const char *metrics_file)
{
	struct privsep_server srv;
	struct state_writer mw;
	int sv[2], rc;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1)
		abort();
	if ((server_pid = fork()) == 0) {
		close(sv[0]);
		metrics_writer_init(&mw, metrics_file);
		privsep_server_init(&srv, sv[1], FAKE_PF_FD, TABLE);
		srv.mw = &mw;
		while ((rc = privsep_serve_one(&srv)) == 1)
			;
		state_writer_free(&mw);
		_exit(rc == 0 ? 0 : 1);
	}
	close(sv[1]);
	return privsep_connect(sv[0], TABLE);
}

/*
 * The metrics file through the parent: the same three requests as the
 * state file's, its own file, readable by all (node_exporter), in a
 * directory that must exist.
 */
static void
test_metrics_file(void)
{
	struct privsep *ps;
	struct mx_stats st;
	struct stat sb;
	char top[] = "/tmp/test_privsep_metrics.XXXXXX", path[80], gone[96];
	char names[256], err[256], want[METRICS_SIZE_MAX], got[METRICS_SIZE_MAX];
	int fd, rc, len;
	ssize_t n;

	if (mkdtemp(top) == NULL) {
		CHECK(0, OS ": temporary directory");
		return;
	}
	snprintf(path, sizeof(path), "%s/mxallowd.prom", top);
	memset(&st, 0, sizeof(st));
	st.blocked = 5;
	st.fake_hits = 9;
	ps = start_metrics(path);
	fd = privsep_metrics_open(ps, err, sizeof(err));
	list_dir(top, names, sizeof(names));
	CHECK(fd != -1 && strncmp(names, ".mxallowd.prom.", 15) == 0 &&
	    strchr(names, ' ') == NULL && fstat(fd, &sb) == 0 &&
	    (sb.st_mode & 0777) == 0644,
	    OS ": metrics: one hidden temporary file, mode 0644 (%s)", names);
	rc = metrics_write(fd, &st, 2, 1, err, sizeof(err));
	close(fd);
	rc |= privsep_metrics_close(ps, true, err, sizeof(err));
	list_dir(top, names, sizeof(names));
	len = metrics_format(want, sizeof(want), &st, 2, 1);
	fd = open(path, O_RDONLY);
	n = fd == -1 ? -1 : read(fd, got, sizeof(got));
	if (fd != -1)
		close(fd);
	CHECK(rc == 0 && strcmp(names, "mxallowd.prom") == 0 && len > 0 &&
	    n == len && memcmp(got, want, (size_t)len) == 0,
	    OS ": metrics: kept, renamed in place with the text (%s)", names);
	fd = privsep_metrics_open(ps, err, sizeof(err));
	n = write(fd, "# half", 6);
	close(fd);
	rc = privsep_metrics_close(ps, false, err, sizeof(err));
	list_dir(top, names, sizeof(names));
	CHECK(n == 6 && rc == 0 && strcmp(names, "mxallowd.prom") == 0,
	    OS ": metrics: discarded, the old file stays (%s)", names);
	err[0] = '\0';
	fd = privsep_state_open(ps, err, sizeof(err));
	CHECK(fd == -1 && strstr(err, strerror(ENOENT)) != NULL,
	    OS ": a metrics server hands out no state file (%s)", err);
	CHECK(stop(ps) == 0, OS ": the metrics file's server exited cleanly");

	/* No metrics file (or no directory): refused, nothing made. */
	snprintf(gone, sizeof(gone), "%s/nodir/m.prom", top);
	ps = start_metrics(gone);
	err[0] = '\0';
	fd = privsep_metrics_open(ps, err, sizeof(err));
	CHECK(fd == -1 && err[0] != '\0' && stat(gone, &sb) == -1,
	    OS ": a missing directory is not created (%s)", err);
	stop(ps);
	ps = start(NULL);
	err[0] = '\0';
	fd = privsep_metrics_open(ps, err, sizeof(err));
	CHECK(fd == -1 && strstr(err, strerror(ENOENT)) != NULL,
	    OS ": without a metrics file, opening one is refused (%s)", err);
	stop(ps);
	unlink(path);
	rmdir(top);
}

/*
 * The parent's file size limit: the largest state file, and no signal
 * past it.  Needs root (to change user), in a child of its own.
 */
static void
test_drop_limit(void)
{
	struct privsep_user u;
	struct privsep_keep keep;
	struct rlimit rl;
	struct passwd *pw;
	char path[] = "/tmp/test_privsep_fsize.XXXXXX", buf[300], err[128];
	static const char jail[] = "/tmp/test_privsep_root.XXXXXX";
	int fd, status;
	pid_t pid;

	if (geteuid() != 0 || (pw = getpwnam("nobody")) == NULL) {
		printf("# skipped: the privilege drop needs root and nobody\n");
		return;
	}
	memset(&keep, 0, sizeof(keep));
	if ((fd = mkstemp(path)) == -1) {
		CHECK(0, OS ": temporary file");
		return;
	}
	if (privsep_lookup_user("nobody", &u, err, sizeof(err)) == -1) {
		CHECK(0, OS ": user nobody (%s)", err);
		return;
	}
	/* The engine is always chrooted: to an empty directory of ours. */
	free(u.dir);
	if ((u.dir = strdup(jail)) == NULL || mkdtemp(u.dir) == NULL) {
		CHECK(0, OS ": empty directory to chroot to");
		return;
	}
	memset(buf, 'x', sizeof(buf));
	if ((pid = fork()) == 0) {
		privsep_drop(&u, &keep, STATE_SIZE_MAX(2));
		if (write(fd, buf, sizeof(buf)) != STATE_SIZE_MAX(2))
			_exit(1);
		if (write(fd, buf, 1) != -1 || errno != EFBIG)
			_exit(2);
		if (access("/etc/passwd", F_OK) == 0)
			_exit(4);
		if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur !=
		    (rlim_t)(STDERR_FILENO + 1 + PRIVSEP_FDS_RECEIVED +
		    PRIVSEP_FDS_SYNC))
			_exit(5);
		_exit(getuid() == pw->pw_uid ? 0 : 3);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    OS ": after the drop, writes stop at the largest state file, "
	    "with EFBIG, the file system is the empty chroot, and it may "
	    "hold few descriptors (status %d)", status);
	close(fd);
	unlink(path);
	rmdir(u.dir);
	free(u.dir);
}

/* A server of our own, in a thread: its pf is ours to look at. */
static int	served_end = -2;	/* privsep_serve_one()'s last */

static void *
serve_thread(void *arg)
{
	struct privsep_server *srv = arg;

	while ((served_end = privsep_serve_one(srv)) == 1)
		;
	return NULL;
}

static void
insert4(const char *table, const char *text)
{
	if (fake_pf_insert(table, 4, text, 32, 1700000000, false) != 0)
		CHECK(0, OS ": fake pf takes %s into <%s>", text, table);
}

/*
 * The requests of a reload: the configuration file, opened by the server
 * (the parent) for the engine, and the move to a renamed table, only to
 * the one the server itself read from that file.
 */
static int	checks;
static char	checked_path[64];

/* The parent's check, as privsep_serve_one() calls it: hands a file. */
static void
count_check(void *arg)
{
	struct privsep_server *srv = arg;

	checks++;
	srv->config_fd = open(checked_path, O_RDONLY | O_CLOEXEC);
}

static void
test_reload_requests(void)
{
	static struct privsep_server srv;
	struct privsep *ps;
	struct pft_request *req;
	char conf[] = "/tmp/test_privsep_conf.XXXXXX", err[256], line[64];
	char allowf[64];
	pthread_t th;
	FILE *fp;
	int sv[2], fd, changed, rc, i;

	if ((fd = mkstemp(conf)) == -1 || write(fd, "table mx-new\n", 13) !=
	    13) {
		CHECK(0, OS ": temporary configuration file");
		return;
	}
	close(fd);
	snprintf(allowf, sizeof(allowf), "%s.allow", conf);
	fake_pf_reset(NULL);
	insert4(TABLE, "192.0.2.1");
	insert4(TABLE, "192.0.2.2");
	insert4(TABLE, "192.0.2.3");
	/* An administrator's negated entry: not ours to move. */
	if (fake_pf_insert(TABLE, 4, "192.0.2.9", 32, 1700000000, true) != 0)
		CHECK(0, OS ": fake pf takes a negated entry");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1) {
		CHECK(0, OS ": socketpair");
		return;
	}
	privsep_server_init(&srv, sv[1], FAKE_PF_FD, TABLE);
	srv.config_path = conf;
	srv.config_required = true;
	pthread_create(&th, NULL, serve_thread, &srv);
	ps = privsep_connect(sv[0], TABLE);

	fp = privsep_config_open(ps, true, err, sizeof(err));
	CHECK(fp != NULL && fgets(line, sizeof(line), fp) != NULL &&
	    strcmp(line, "table mx-new\n") == 0,
	    OS ": the configuration file comes through the channel (%s)", err);
	if (fp != NULL)
		fclose(fp);

	rc = privsep_table_move(ps, "mx-new");
	CHECK(rc == EPERM && fake_pf_count(TABLE) == 4 &&
	    !fake_pf_exists("mx-new"),
	    OS ": a move before the server read the new name is refused, "
	    "nothing moves (%s)", strerror(rc));
	snprintf(srv.next_table, sizeof(srv.next_table), "mx-new");
	rc = privsep_table_move(ps, "mx-other");
	CHECK(rc == EPERM && fake_pf_count(TABLE) == 4,
	    OS ": a move to a table other than the one read is refused");
	/*
	 * 300 more entries, and room for one batch (256) more than the
	 * table holds: only a move that takes each batch out of the old
	 * table before the next goes in fits.
	 */
	for (i = 0; i < 300; i++) {
		snprintf(line, sizeof(line), "203.0.113.%d", i % 250);
		if (fake_pf_insert(TABLE, 4, line, 32, 1700000000 + i / 250,
		    false) != 0 && i < 250)
			CHECK(0, OS ": fake pf takes %s", line);
	}
	for (i = 0; i < 50; i++) {
		snprintf(line, sizeof(line), "198.51.100.%d", i + 100);
		insert4(TABLE, line);
	}
	fake_pf_table_entries = (unsigned)fake_pf_total() + PFT_BATCH;
	rc = privsep_table_move(ps, "mx-new");
	fake_pf_table_entries = PFR_KENTRY_HIWAT;
	CHECK(rc == 0 && fake_pf_count("mx-new") == 303 &&
	    fake_pf_count(TABLE) == 1 && fake_pf_bad == 0,
	    OS ": 303 entries move in batches, within room for one batch "
	    "more (%s; %s)", strerror(rc), fake_pf_why);
	CHECK(rc == 0 && fake_pf_count("mx-new") == 303 &&
	    fake_pf_contains("mx-new", 4, "192.0.2.2", 32) &&
	    !fake_pf_contains("mx-new", 4, "192.0.2.9", 32) &&
	    fake_pf_count(TABLE) == 1 && fake_pf_bad == 0,
	    OS ": the move: every entry of ours in the new table, none left "
	    "in the old one but the negated one (%s; %s)", strerror(rc),
	    fake_pf_why);
	req = request(PFT_OP_ADD, TABLE, 1);
	rc = privsep_exec(ps, req, &changed);
	CHECK(rc == EPERM && fake_pf_count(TABLE) == 1,
	    OS ": after the move the old table is not changed any more");
	req = request(PFT_OP_ADD, "mx-new", 1);
	rc = privsep_exec(ps, req, &changed);
	CHECK(rc == 0 && changed == 1 && fake_pf_count("mx-new") == 304,
	    OS ": the new one is (%s)", strerror(rc));
	rc = privsep_table_move(ps, "mx-new");
	CHECK(rc == EPERM, OS ": a move is good once");

	/*
	 * The file the parent checked is the one the engine reads, even if
	 * it was replaced in between; and that only once.
	 */
	srv.config_fd = open(conf, O_RDONLY | O_CLOEXEC);
	unlink(conf);
	if ((fd = open(conf, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1 ||
	    write(fd, "table mx-unchecked\n", 19) != 19)
		CHECK(0, OS ": a second configuration file");
	close(fd);
	fp = privsep_config_open(ps, true, err, sizeof(err));
	CHECK(fp != NULL && fgets(line, sizeof(line), fp) != NULL &&
	    strcmp(line, "table mx-new\n") == 0,
	    OS ": the engine gets the file the parent checked, not its "
	    "replacement (%s)", err);
	if (fp != NULL)
		fclose(fp);
	fp = privsep_config_open(ps, true, err, sizeof(err));
	CHECK(fp != NULL && fgets(line, sizeof(line), fp) != NULL &&
	    strcmp(line, "table mx-unchecked\n") == 0,
	    OS ": after that, the file by its name (%s)", err);
	if (fp != NULL)
		fclose(fp);
	srv.config_fd = PRIVSEP_CONFIG_NONE;
	fp = privsep_config_open(ps, false, err, sizeof(err));
	CHECK(fp == NULL && err[0] == '\0',
	    OS ": a default file the parent found missing is no file");

	/*
	 * The allow-file: only the one the parent checked, once; its
	 * content even if the file was replaced since.
	 */
	fp = privsep_allow_open(ps, "/etc/allow", err, sizeof(err));
	CHECK(fp == NULL && strstr(err, "/etc/allow: not read by the "
	    "privileged process") != NULL,
	    OS ": no allow-file before the parent checked one (%s)", err);
	if (fp != NULL)
		fclose(fp);
	if ((fd = open(allowf, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    write(fd, "192.0.2.7\n", 10) != 10)
		CHECK(0, OS ": an allow-file");
	close(fd);
	srv.allow_fd = open(allowf, O_RDONLY | O_CLOEXEC);
	/* Read once already, as the parent does when it checks it. */
	if (srv.allow_fd >= 0)
		(void)!read(srv.allow_fd, line, 4);
	unlink(allowf);
	if ((fd = open(allowf, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1 ||
	    write(fd, "0.0.0.0/8\n", 10) != 10)
		CHECK(0, OS ": a second allow-file");
	close(fd);
	fp = privsep_allow_open(ps, allowf, err, sizeof(err));
	CHECK(fp != NULL && fgets(line, sizeof(line), fp) != NULL &&
	    strcmp(line, "192.0.2.7\n") == 0,
	    OS ": the engine gets the allow-file the parent checked, from "
	    "its start, not its replacement (%s)", err);
	if (fp != NULL)
		fclose(fp);
	fp = privsep_allow_open(ps, allowf, err, sizeof(err));
	CHECK(fp == NULL && strstr(err, "not read by the privileged") != NULL,
	    OS ": and only once: never by its name (%s)", err);
	if (fp != NULL)
		fclose(fp);
	/* A configuration by its name, unchecked, drops a checked allow-file. */
	srv.allow_fd = open(allowf, O_RDONLY | O_CLOEXEC);
	srv.config_fd = PRIVSEP_CONFIG_BY_PATH;
	fp = privsep_config_open(ps, true, err, sizeof(err));
	if (fp != NULL)
		fclose(fp);
	fp = privsep_allow_open(ps, allowf, err, sizeof(err));
	CHECK(fp == NULL && srv.allow_fd == -1,
	    OS ": a configuration file opened by its name, unchecked, "
	    "leaves no checked allow-file to give (%s)", err);
	if (fp != NULL)
		fclose(fp);

	/* Why the parent could not open it: said once, then as before. */
	srv.allow_error = ENOENT;
	fp = privsep_allow_open(ps, allowf, err, sizeof(err));
	CHECK(fp == NULL && strstr(err, "No such file") != NULL &&
	    srv.allow_error == 0,
	    OS ": the parent's reason for no allow-file reaches the engine "
	    "(%s)", err);
	srv.allow_error = ENOTSUP;
	fp = privsep_allow_open(ps, allowf, err, sizeof(err));
	CHECK(fp == NULL && strstr(err, "only the allow-file named at "
	    "start") != NULL,
	    OS ": another allow-file than at start is named as such (%s)",
	    err);

	/*
	 * A reload the engine starts: the parent's check runs when the
	 * configuration file is asked for, and only if no SIGHUP's check
	 * left one.
	 */
	checks = 0;
	snprintf(checked_path, sizeof(checked_path), "%s", allowf);
	srv.check = count_check;
	srv.check_arg = &srv;
	fp = privsep_config_open(ps, true, err, sizeof(err));
	CHECK(fp != NULL && fgets(line, sizeof(line), fp) != NULL &&
	    strcmp(line, "0.0.0.0/8\n") == 0 && checks == 1,
	    OS ": the engine's own reload has the parent check first, and "
	    "gets what it checked (%s)", err);
	if (fp != NULL)
		fclose(fp);
	srv.config_fd = open(conf, O_RDONLY | O_CLOEXEC);
	fp = privsep_config_open(ps, true, err, sizeof(err));
	CHECK(fp != NULL && checks == 1,
	    OS ": after a SIGHUP's check, no second one (%s)", err);
	if (fp != NULL)
		fclose(fp);
	srv.check = NULL;
	unlink(allowf);

	unlink(conf);
	fp = privsep_config_open(ps, true, err, sizeof(err));
	CHECK(fp == NULL && strstr(err, "No such file") != NULL,
	    OS ": a configuration file named with -c and gone is an error "
	    "(%s)", err);
	srv.config_required = false;
	fp = privsep_config_open(ps, false, err, sizeof(err));
	CHECK(fp == NULL && err[0] == '\0',
	    OS ": the default file missing is no file, not an error");
	srv.config_path = NULL;
	fp = privsep_config_open(ps, false, err, sizeof(err));
	CHECK(fp == NULL && strstr(err, "not permitted") != NULL,
	    OS ": a server with no configuration file to give refuses (%s)",
	    err);
	privsep_stop(ps);
	pthread_join(th, NULL);
	CHECK(served_end == 0, OS ": the server ends when the engine's end "
	    "closes (%d)", served_end);
	close(sv[1]);
	fake_pf_reset(NULL);
}

/*
 * A socket to the sync server, opened by the server (the parent) for the
 * engine, which may open none: only to the server it resolved at start,
 * connected or connecting, with its timeouts set.
 */
static void
test_sync_connect(void)
{
	static struct privsep_server srv;
	struct sockaddr_un sun;
	struct privsep *ps;
	struct timeval tv;
	socklen_t len = sizeof(tv);
	char path[64], url[80], err[256];
	pthread_t th;
	int sv[2], lfd, fd, afd;

	snprintf(path, sizeof(path), "/tmp/test_privsep_sync.%ld",
	    (long)getpid());
	unlink(path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(lfd, 4) == -1 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1) {
		CHECK(0, OS ": a listening socket and a channel");
		return;
	}
	privsep_server_init(&srv, sv[1], FAKE_PF_FD, TABLE);
	pthread_create(&th, NULL, serve_thread, &srv);
	ps = privsep_connect(sv[0], TABLE);
	CHECK(privsep_sync_connect(ps, err, sizeof(err)) == -1 &&
	    strstr(err, "no sync server configured") != NULL,
	    OS ": no sync server configured at start: refused (%s)", err);
	snprintf(url, sizeof(url), "unix://%s", path);
	CHECK(sync_target_resolve(url, &srv.sync, err, sizeof(err)) == 0 &&
	    srv.sync.len > 0, OS ": the server's address, resolved (%s)", err);
	fd = privsep_sync_connect(ps, err, sizeof(err));
	afd = accept(lfd, NULL, NULL);
	CHECK(fd >= 0 && afd >= 0 && write(afd, "+PONG\r\n", 7) == 7,
	    OS ": the engine gets a socket to it, connected (%s)", err);
	CHECK(fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len) ==
	    0 && tv.tv_sec == 2, OS ": reads on it time out after 2 s");
	CHECK(fd >= 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK),
	    OS ": non-blocking: the engine waits for it, not the parent");
	if (fd >= 0)
		close(fd);
	if (afd >= 0)
		close(afd);
	CHECK(sync_target_resolve("redis://192.0.2.30:6380", &srv.sync, err,
	    sizeof(err)) == 0 && srv.sync.addr.ss_family == AF_INET &&
	    ntohs(((struct sockaddr_in *)&srv.sync.addr)->sin_port) == 6380,
	    OS ": a redis:// address, and its port");
	CHECK(sync_target_resolve("none", &srv.sync, err, sizeof(err)) == 0 &&
	    srv.sync.len == 0, OS ": none: nothing to connect to");
	privsep_stop(ps);
	pthread_join(th, NULL);
	close(sv[1]);
	close(lfd);
	unlink(path);
}

int
main(void)
{
	log_init("test_privsep", true, LOG_LEVEL_QUIET);
	pfk_ioctl = fake_pf_ioctl;
	test_checks();
	test_sync_connect();
	test_serve();
	test_channel();
	test_state_file();
	test_metrics_file();
	test_reload_requests();
	test_drop_limit();
	fake_pf_reset(NULL);
	return T_DONE();
}
