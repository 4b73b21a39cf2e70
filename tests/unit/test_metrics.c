/*
 * Unit tests for metrics.c: the text exposition format, exactly, and the
 * atomic replacement of the file.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "t.h"

static void
test_format(void)
{
	static const char first[] = "# HELP mxallowd_fake_mx_hits_total "
	    "Connection attempts to a fake MX.\n"
	    "# TYPE mxallowd_fake_mx_hits_total counter\n"
	    "mxallowd_fake_mx_hits_total 7\n# HELP ";
	struct mx_stats s;
	char buf[METRICS_SIZE_MAX], small[64], *line, *save, name[128];
	int len, lines = 0, helps = 0, types = 0, samples = 0, ok = 1;
	int gauges = 0;

	memset(&s, 0, sizeof(s));
	s.fake_hits = 7;
	s.blocked = 3;
	s.nomem = 1;
	s.port_errors = 2;
	s.rdns_siblings = 18446744073709551615ULL;
	len = metrics_format(buf, sizeof(buf), &s, 42, 5);
	CHECK(len > 0 && (size_t)len == strlen(buf) && buf[len - 1] == '\n',
	    "formatted: %d bytes, ending in a newline", len);
	CHECK(strncmp(buf, first, strlen(first)) == 0,
	    "the first metric, exactly");
	CHECK(strstr(buf, "\n# HELP mxallowd_whitelist_entries Entries in the "
	    "whitelist now.\n# TYPE mxallowd_whitelist_entries gauge\n"
	    "mxallowd_whitelist_entries 42\n") != NULL,
	    "whitelist_entries: a gauge, no _total");
	CHECK(strstr(buf, "\n# HELP mxallowd_allow_entries Addresses and "
	    "networks in the allow list now.\n# TYPE mxallowd_allow_entries "
	    "gauge\nmxallowd_allow_entries 5\n") != NULL &&
	    strstr(buf, "mxallowd_whitelist_entries 42\n") <
	    strstr(buf, "mxallowd_allow_entries 5\n"),
	    "allow_entries: a gauge with its help, after whitelist_entries");
	CHECK(strstr(buf, "# HELP mxallowd_would_block_total Observe mode") !=
	    NULL && strstr(buf, "# HELP mxallowd_allowed_total Real-MX") != NULL,
	    "allowed and would_block have their help texts");
	CHECK(strstr(buf, "\nmxallowd_blocked_total 3\n") != NULL &&
	    strstr(buf, "\nmxallowd_failures_total 3\n") != NULL,
	    "blocked 3; failures: nomem and port errors");
	CHECK(strstr(buf, "\nmxallowd_rdns_siblings_total "
	    "18446744073709551615\n") != NULL, "a 64-bit counter in full");
	/* Every metric: HELP, TYPE, one sample, the same name, valid. */
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save), lines++) {
		switch (lines % 3) {
		case 0:
			ok &= sscanf(line, "# HELP %127s ", name) == 1 &&
			    strncmp(name, "mxallowd_", 9) == 0 &&
			    strspn(name, "abcdefghijklmnopqrstuvwxyz_") ==
			    strlen(name);
			helps++;
			break;
		case 1:
			ok &= strncmp(line, "# TYPE ", 7) == 0 &&
			    strncmp(line + 7, name, strlen(name)) == 0 &&
			    (strcmp(line + 7 + strlen(name), " counter") == 0 ||
			    strcmp(line + 7 + strlen(name), " gauge") == 0);
			if (strstr(line, " gauge") != NULL) {
				gauges++;
				ok &= strstr(name, "_total") == NULL;
			} else
				ok &= strlen(name) > 6 && strcmp(name +
				    strlen(name) - 6, "_total") == 0;
			types++;
			break;
		case 2:
			ok &= strncmp(line, name, strlen(name)) == 0 &&
			    line[strlen(name)] == ' ' &&
			    strspn(line + strlen(name) + 1, "0123456789") ==
			    strlen(line + strlen(name) + 1);
			samples++;
			break;
		}
	}
	CHECK(ok && helps == STATS_FIELDS && types == STATS_FIELDS &&
	    samples == STATS_FIELDS && gauges == 3,
	    "%d metrics, each: # HELP, # TYPE, one sample of that name", helps);
	CHECK(metrics_format(small, sizeof(small), &s, 0, 0) == -1,
	    "too small a buffer: -1");
}

static int
count_files(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (dp == NULL)
		return -1;
	while ((de = readdir(dp)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(dp);
	return n;
}

static void
test_save(void)
{
	char top[] = "/tmp/test_metrics.XXXXXX", path[64], err[256];
	char want[METRICS_SIZE_MAX], got[METRICS_SIZE_MAX];
	const char *name;
	struct mx_stats s;
	struct stat before, after;
	int dirfd, fd, old, rc, len;
	ssize_t n;

	if (mkdtemp(top) == NULL) {
		CHECK(0, "temporary directory");
		return;
	}
	snprintf(path, sizeof(path), "%s/mxallowd.prom", top);
	dirfd = metrics_dir_open(path, &name);
	CHECK(dirfd != -1 && strcmp(name, "mxallowd.prom") == 0,
	    "the directory opened, the name split off");
	memset(&s, 0, sizeof(s));
	s.accepted = 1;
	rc = metrics_save_at(dirfd, name, &s, 1, 0, err, sizeof(err));
	CHECK(rc == 0 && stat(path, &before) == 0 &&
	    (before.st_mode & 0777) == 0644 && count_files(top) == 1,
	    "written, mode 0644, no temporary file left (%s)",
	    rc ? err : "ok");
	/* A reader that has the old file keeps it whole. */
	old = open(path, O_RDONLY);
	s.accepted = 2;
	rc = metrics_save_at(dirfd, name, &s, 1, 0, err, sizeof(err));
	CHECK(rc == 0 && stat(path, &after) == 0 &&
	    after.st_ino != before.st_ino && count_files(top) == 1,
	    "replaced by a rename: a new file in its place");
	n = read(old, got, sizeof(got) - 1);
	got[n > 0 ? n : 0] = '\0';
	CHECK(n > 0 && strstr(got, "\nmxallowd_accepted_total 1\n") != NULL,
	    "the old file, still open, is whole and unchanged");
	close(old);
	len = metrics_format(want, sizeof(want), &s, 1, 0);
	fd = open(path, O_RDONLY);
	n = read(fd, got, sizeof(got));
	close(fd);
	CHECK(n == len && memcmp(got, want, (size_t)len) == 0,
	    "the new file holds exactly the new text");
	close(dirfd);
	/* A missing directory: not created, and said. */
	snprintf(path, sizeof(path), "%s/none/m.prom", top);
	CHECK(metrics_dir_open(path, &name) == -1 && count_files(top) == 1,
	    "a missing directory is not created");
	snprintf(path, sizeof(path), "%s/mxallowd.prom", top);
	unlink(path);
	rmdir(top);
}

int
main(void)
{
	log_init("test_metrics", true, LOG_LEVEL_QUIET);
	test_format();
	test_save();
	return T_DONE();
}
