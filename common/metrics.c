/*
 * The metrics file (metrics.h).
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "path.h"
#include "state.h"

/* What each metric means; a field not listed here is helped by its label. */
static const struct {
	const char	*key;
	const char	*help;
} helps[] = {
	{ "fake_mx_hits", "Connection attempts to a fake MX." },
	{ "whitelisted", "Senders newly whitelisted." },
	{ "accepted", "Real-MX connection attempts let through." },
	{ "blocked", "Real-MX connection attempts blocked." },
	{ "refreshed", "Whitelist entries renewed by a new attempt." },
	{ "ignored", "Packets that were not new connections to an MX." },
	{ "parse_errors", "Malformed or truncated packets." },
	{ "overflows", "Packets the kernel lost before mxallowd saw them." },
	{ "evictions", "Whitelist entries pushed out by max-entries." },
	{ "expired", "Whitelist entries whose time ran out." },
	{ "whitelist_entries", "Entries in the whitelist now." },
	{ "failures", "Whitelist insertions or firewall requests that "
	    "failed." },
	{ "rdns_lookups", "Reverse-DNS lookups completed." },
	{ "rdns_failed", "Reverse-DNS lookups without a confirmed name." },
	{ "rdns_skipped", "Reverse-DNS lookups skipped: a queue was full." },
	{ "rdns_siblings", "Addresses whitelisted through a sender's name." },
	{ "allowed", "Real-MX connection attempts of allowed senders." },
	{ "would_block", "Observe mode: real-MX connection attempts that "
	    "would have been blocked." },
	{ "sync_sent", "Whitelist events published to the other gates." },
	{ "sync_received", "Other gates' whitelist events taken." },
	{ "sync_dropped", "Whitelist events not sent or not taken: a queue "
	    "or the whitelist was full." },
	{ "sync_errors", "Sync events refused, and errors of the sync "
	    "server." },
	{ "sync_connected", "1 while connected to the sync server, else 0." },
	{ "fake_answered", "Connections the answering fake MX whitelisted "
	    "and answered." },
	{ "fake_refused", "Connections the answering fake MX refused: over "
	    "a limit, or accept failed." },
	{ "fake_timeouts", "Connections to the answering fake MX that ran "
	    "out of time." },
	{ "fake_bad_lines", "Lines to the answering fake MX longer than SMTP "
	    "allows." },
	{ "allow_entries", "Addresses and networks in the allow list now." },
};

static const char *
help_of(const struct stats_field *f)
{
	size_t i;

	for (i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
		if (strcmp(helps[i].key, f->key) == 0)
			return helps[i].help;
	return f->label;
}

static bool
is_gauge(const char *key)
{
	size_t n = strlen(key), s = strlen("_entries");

	if (strcmp(key, "sync_connected") == 0)
		return true;
	return n > s && strcmp(key + n - s, "_entries") == 0;
}

/*
 * The file's text into buf (len bytes); entries is the whitelist's size,
 * allow the allow list's.
 * Returns its length, or -1 if it does not fit.
 */
int
metrics_format(char *buf, size_t len, const struct mx_stats *s,
    uint64_t entries, uint64_t allow)
{
	struct stats_field f[STATS_FIELDS];
	char name[96];
	size_t i, used = 0;
	int n;

	stats_fields(s, entries, allow, f);
	for (i = 0; i < STATS_FIELDS; i++) {
		snprintf(name, sizeof(name), "mxallowd_%s%s", f[i].key,
		    is_gauge(f[i].key) ? "" : "_total");
		n = snprintf(buf + used, len - used, "# HELP %s %s\n"
		    "# TYPE %s %s\n%s %llu\n", name, help_of(&f[i]), name,
		    is_gauge(f[i].key) ? "gauge" : "counter", name,
		    (unsigned long long)f[i].value);
		if (n < 0 || (size_t)n >= len - used)
			return -1;
		used += (size_t)n;
	}
	return (int)used;
}

/* The metrics into fd, an empty file open for writing; 0 or -1 and err. */
int
metrics_write(int fd, const struct mx_stats *s, uint64_t entries,
    uint64_t allow, char *err, size_t errlen)
{
	char buf[METRICS_SIZE_MAX];
	ssize_t w;
	size_t off = 0;
	int len;

	if ((len = metrics_format(buf, sizeof(buf), s, entries, allow)) == -1) {
		seterr(err, errlen, "metrics longer than %d bytes",
		    METRICS_SIZE_MAX);
		return -1;
	}
	while (off < (size_t)len) {
		if ((w = write(fd, buf + off, (size_t)len - off)) == -1) {
			if (errno == EINTR)
				continue;
			seterr(err, errlen, "%s", strerror(errno));
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

/*
 * The directory of the metrics file at path, for writes through it after
 * a chroot.  Not created: it is node_exporter's (its textfile directory),
 * and must be readable by it.  *name gets the file's name.  Failures are
 * logged; returns the descriptor or -1.
 */
int
metrics_dir_open(const char *path, const char **name)
{
	char dir[PATH_MAX];
	int fd;

	if ((*name = path_split(path, dir, sizeof(dir))) == NULL) {
		log_warnx("metrics file %s: directory name too long", path);
		return -1;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		log_warn("metrics file directory %s", dir);
	return fd;
}

/*
 * A new temporary file beside `name' in dirfd, as state_tmp_open(), but
 * readable by all (mode 0644): node_exporter runs as another user.  The
 * name, hidden (a dot first) and not ending in .prom, is one the textfile
 * collector never reads.
 */
int
metrics_tmp_open(int dirfd, const char *name, char *tmp, size_t tmplen,
    char *err, size_t errlen)
{
	int fd, saved_errno;

	if ((fd = state_tmp_open(dirfd, name, tmp, tmplen, err, errlen)) == -1)
		return -1;
	if (fchmod(fd, 0644) == -1) {
		saved_errno = errno;
		seterr(err, errlen, "%s: %s", tmp, strerror(errno));
		close(fd);
		(void)unlinkat(dirfd, tmp, 0);
		errno = saved_errno;
		return -1;
	}
	return fd;
}

/* Write the file atomically through its directory; 0 or -1 and err. */
int
metrics_save_at(int dirfd, const char *name, const struct mx_stats *s,
    uint64_t entries, uint64_t allow, char *err, size_t errlen)
{
	char tmp[NAME_MAX + 1];
	int fd, rc;

	if ((fd = metrics_tmp_open(dirfd, name, tmp, sizeof(tmp), err,
	    errlen)) == -1)
		return -1;
	rc = metrics_write(fd, s, entries, allow, err, errlen);
	close(fd);
	if (rc == -1) {
		(void)state_tmp_close(dirfd, tmp, name, false, NULL, 0);
		return -1;
	}
	return state_tmp_close(dirfd, tmp, name, true, err, errlen);
}
