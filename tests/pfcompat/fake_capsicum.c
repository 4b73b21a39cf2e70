/*
 * Capsicum recorded (FreeBSD layout tests on Linux): what rights each
 * descriptor was limited to, which ioctls, and at cap_enter() every
 * descriptor the process still has open, limited or not.  Nothing is
 * enforced: the tests read the report and fail when a descriptor the
 * confined process keeps was never limited, as FreeBSD would let it keep
 * all its rights.  The report goes to fake_cap_report (a path; NULL:
 * nowhere), one line each:
 *
 *	limit FD RIGHTS-HEX [ioctls CMD-HEX,...]
 *	enter
 *	open FD limited|UNLIMITED TARGET
 */
#include <sys/types.h>
#include <sys/resource.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/capsicum.h>

#include "fake_capsicum.h"

#define MAXFD	256

static struct {
	int		 limited;
	uint64_t	 rights;
} fds[MAXFD];

const char	*fake_cap_report;
int		 fake_cap_entered;

static void
report(const char *fmt, ...)
{
	va_list ap;
	FILE *fp;

	if (fake_cap_report == NULL || (fp = fopen(fake_cap_report, "a")) ==
	    NULL)
		return;
	va_start(ap, fmt);
	vfprintf(fp, fmt, ap);
	va_end(ap);
	fclose(fp);
}

cap_rights_t *
fake_cap_rights_init(cap_rights_t *r, ...)
{
	va_list ap;
	uint64_t bit;

	r->bits = 0;
	va_start(ap, r);
	while ((bit = va_arg(ap, uint64_t)) != 0)
		r->bits |= bit;
	va_end(ap);
	return r;
}

int
cap_rights_limit(int fd, const cap_rights_t *r)
{
	if (fd < 0 || fd >= MAXFD || fcntl_ok(fd) == 0) {
		errno = EBADF;
		return -1;
	}
	/* Rights only shrink. */
	if (fds[fd].limited && (r->bits & ~fds[fd].rights) != 0) {
		errno = ENOTCAPABLE_FAKE;
		return -1;
	}
	fds[fd].limited = 1;
	fds[fd].rights = r->bits;
	report("limit %d %llx\n", fd, (unsigned long long)r->bits);
	return 0;
}

int
cap_ioctls_limit(int fd, const cap_ioctl_t *cmds, size_t n)
{
	char list[256] = "";
	size_t i, len = 0;

	if (fd < 0 || fd >= MAXFD || fcntl_ok(fd) == 0) {
		errno = EBADF;
		return -1;
	}
	for (i = 0; i < n && len < sizeof(list) - 24; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%lx",
		    i ? "," : "", cmds[i]);
	report("ioctls %d %s\n", fd, list);
	return 0;
}

/* Every descriptor open now: limited or not, and what it is. */
int
cap_enter(void)
{
	struct dirent *de;
	char path[64], target[PATH_MAX];
	struct rlimit rl;
	ssize_t n;
	DIR *dir;
	int fd, self;

	fake_cap_entered = 1;
	report("enter\n");
	/*
	 * A tool running the test (valgrind) keeps descriptors of its own
	 * above the process's limit: they are not the process's.
	 */
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		rl.rlim_cur = RLIM_INFINITY;
	if ((dir = opendir("/proc/self/fd")) == NULL)
		return 0;
	self = dirfd(dir);
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		fd = atoi(de->d_name);
		if (fd == self || (rlim_t)fd >= rl.rlim_cur)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if ((n = readlink(path, target, sizeof(target) - 1)) < 0)
			n = 0;
		target[n] = '\0';
		report("open %d %s %s\n", fd, fd < MAXFD && fds[fd].limited ?
		    "limited" : "UNLIMITED", target);
	}
	closedir(dir);
	return 0;
}
