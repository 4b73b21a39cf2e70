/*
 * Reading and writing the state file (see state.h for the format).
 *
 * Reading never trusts the file: every line is checked and bounded, and
 * the entries are sorted by expiry before they go into the whitelist, so
 * that a file in any order costs O(n log n), not the O(n^2) of inserting
 * out of order.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "path.h"
#include "state.h"

#define LINE_MAX_LEN	128
/* Far more than max-entries allows: a bound, not a limit in practice. */
#define STATE_MAX_BYTES	(256L * 1024 * 1024)

struct loaded {
	struct mx_addr	addr;
	int64_t		expires;	/* wall clock */
};

static int
by_expiry(const void *a, const void *b)
{
	const struct loaded *x = a, *y = b;

	return (x->expires > y->expires) - (x->expires < y->expires);
}

/* "address expiry": one entry; line is NUL-terminated, without newline. */
static int
parse_entry(char *line, struct loaded *out)
{
	char *sp, *end;
	long long expires;

	if ((sp = strchr(line, ' ')) == NULL)
		return -1;
	*sp++ = '\0';
	if (!addr_parse(line, &out->addr) || !isdigit((unsigned char)*sp))
		return -1;
	errno = 0;
	expires = strtoll(sp, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	out->expires = expires;
	return 0;
}

static int
insert_sorted(struct loaded *entries, size_t n, struct whitelist *wl,
    int64_t real_now, int64_t mono_now, size_t *loaded)
{
	size_t i;

	/* qsort(NULL, 0, ...) is undefined, however harmless it looks. */
	if (n == 0)
		return 0;
	qsort(entries, n, sizeof(*entries), by_expiry);
	for (i = 0; i < n; i++) {
		if (entries[i].expires <= real_now)
			continue;
		/* Entries beyond a year are corrupt or forged: cap them. */
		if (entries[i].expires - real_now > 366LL * 24 * 3600)
			entries[i].expires = real_now + 366LL * 24 * 3600;
		switch (wl_insert(wl, &entries[i].addr, mono_now +
		    (entries[i].expires - real_now))) {
		case WL_NOMEM:
			return -1;
		case WL_ADDED:
			(*loaded)++;
			break;
		case WL_REFRESHED:
			/* A key twice: the later expiry stands, once. */
			break;
		}
	}
	return 0;
}

int
state_parse(const char *buf, size_t len, struct whitelist *wl,
    int64_t real_now, int64_t mono_now, size_t *loaded, char *err,
    size_t errlen)
{
	struct loaded *entries = NULL, *grown;
	size_t pos = 0, n = 0, cap = 0, lineno = 0, linelen;
	char line[LINE_MAX_LEN];
	const char *nl;
	int rc = 0;

	*loaded = 0;
	while (pos < len) {
		lineno++;
		nl = memchr(buf + pos, '\n', len - pos);
		linelen = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		if (nl == NULL || linelen >= sizeof(line) ||
		    memchr(buf + pos, '\0', linelen) != NULL) {
			seterr(err, errlen, "line %zu: %s", lineno,
			    nl == NULL ? "truncated (no newline)" :
			    linelen >= sizeof(line) ? "too long" :
			    "contains a NUL byte");
			rc = -1;
			break;
		}
		memcpy(line, buf + pos, linelen);
		line[linelen] = '\0';
		pos += linelen + 1;
		if (lineno == 1) {
			if (strcmp(line, STATE_MAGIC) != 0) {
				seterr(err, errlen, "line 1: not an mxallowd "
				    "state file");
				rc = -1;
				break;
			}
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			if ((grown = reallocarray(entries, cap,
			    sizeof(*entries))) == NULL) {
				seterr(err, errlen, "out of memory");
				rc = -1;
				break;
			}
			entries = grown;
		}
		if (parse_entry(line, &entries[n]) == -1) {
			seterr(err, errlen, "line %zu: malformed entry",
			    lineno);
			rc = -1;
			break;
		}
		n++;
	}
	if (rc == 0 && lineno == 0) {
		seterr(err, errlen, "empty");
		rc = -1;
	}
	/* What was read before an error is kept: it is still good. */
	if (insert_sorted(entries, n, wl, real_now, mono_now, loaded) == -1) {
		seterr(err, errlen, "out of memory");
		rc = -1;
	}
	free(entries);
	return rc;
}

/*
 * Returns 0, 1 if there is no file, STATE_UNREADABLE if it cannot be read,
 * STATE_DAMAGED (what state_parse() returns) with err set otherwise.
 */
int
state_load(const char *path, struct whitelist *wl, int64_t real_now,
    int64_t mono_now, size_t *loaded, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	ssize_t got;
	size_t len = 0;
	int fd, rc;

	*loaded = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 1;
		seterr(err, errlen, "%s", strerror(errno));
		return STATE_UNREADABLE;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > STATE_MAX_BYTES) {
		seterr(err, errlen, "not a regular file of at most %ld bytes",
		    STATE_MAX_BYTES);
		close(fd);
		return STATE_DAMAGED;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		seterr(err, errlen, "out of memory");
		close(fd);
		return STATE_UNREADABLE;
	}
	while (len < (size_t)st.st_size &&
	    (got = read(fd, buf + len, (size_t)st.st_size - len)) > 0)
		len += (size_t)got;
	close(fd);
	rc = state_parse(buf, len, wl, real_now, mono_now, loaded, err,
	    errlen);
	free(buf);
	return rc;
}

/*
 * The writer buffers lines itself rather than through stdio: the pf
 * port's confined process writes into a descriptor handed to it, and
 * Capsicum would refuse stdio's fstat() and fcntl() on it.
 */
struct writer {
	int	 fd;
	int	 error;		/* errno of the first failed write */
	size_t	 used;
	int64_t	 real_now;
	int64_t	 mono_now;
	char	 buf[64 * 1024];
};

static void
writer_drain(struct writer *w)
{
	size_t off = 0;
	ssize_t n;

	while (off < w->used && w->error == 0) {
		if ((n = write(w->fd, w->buf + off, w->used - off)) == -1) {
			if (errno != EINTR)
				w->error = errno;
			continue;
		}
		off += (size_t)n;
	}
	w->used = 0;
}

static void
writer_line(struct writer *w, const char *line, size_t len)
{
	if (sizeof(w->buf) - w->used < len)
		writer_drain(w);
	memcpy(w->buf + w->used, line, len);
	w->used += len;
}

static void
write_entry(void *arg, const struct mx_addr *addr, int64_t expires)
{
	struct writer *w = arg;
	char text[MX_ADDRSTRLEN], line[STATE_LINE_MAX];
	int len;

	if (expires <= w->mono_now)
		return;
	len = snprintf(line, sizeof(line), "%s %lld\n",
	    addr_format(addr, text, sizeof(text)),
	    (long long)(w->real_now + (expires - w->mono_now)));
	if (len > 0 && (size_t)len < sizeof(line))
		writer_line(w, line, (size_t)len);
}

/*
 * Write the whitelist into fd, an empty file open for writing, and fsync
 * it; the caller closes fd.  Entries due by mono_now are left out.
 */
int
state_write(int fd, const struct whitelist *wl, int64_t real_now,
    int64_t mono_now, char *err, size_t errlen)
{
	struct writer *w;
	int rc = 0;

	if ((w = malloc(sizeof(*w))) == NULL) {
		seterr(err, errlen, "%s", strerror(errno));
		return -1;
	}
	w->fd = fd;
	w->error = 0;
	w->used = 0;
	w->real_now = real_now;
	w->mono_now = mono_now;
	writer_line(w, STATE_MAGIC "\n", sizeof(STATE_MAGIC));
	wl_foreach(wl, write_entry, w);
	writer_drain(w);
	if (w->error == 0 && fsync(fd) == -1)
		w->error = errno;
	if (w->error != 0) {
		seterr(err, errlen, "%s", strerror(w->error));
		rc = -1;
	}
	free(w);
	return rc;
}

/*
 * A new temporary file beside the state file `name' in dirfd, for
 * state_write().  Its name goes to tmp.  Returns its descriptor, or -1.
 */
int
state_tmp_open(int dirfd, const char *name, char *tmp, size_t tmplen,
    char *err, size_t errlen)
{
	int fd = -1, try, saved_errno;

	for (try = 0; try < 100 && fd == -1; try++) {
		if (snprintf(tmp, tmplen, ".%s.%ld.%d", name,
		    (long)getpid(), try) >= (int)tmplen) {
			seterr(err, errlen, "name too long");
			errno = ENAMETOOLONG;
			return -1;
		}
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd == -1 && errno != EEXIST)
			break;
	}
	if (fd == -1) {
		saved_errno = errno;
		seterr(err, errlen, "%s: %s", tmp, strerror(errno));
		errno = saved_errno;
	}
	return fd;
}

/*
 * Put the written temporary file in place (keep), or remove it.  A
 * rename is atomic: readers see the old file or the new one.  On
 * failure errno says why, as after state_tmp_open().
 */
int
state_tmp_close(int dirfd, const char *tmp, const char *name, bool keep,
    char *err, size_t errlen)
{
	int saved_errno;

	if (keep && renameat(dirfd, tmp, dirfd, name) == 0)
		return 0;
	saved_errno = errno;
	if (keep)
		seterr(err, errlen, "rename to %s: %s", name, strerror(errno));
	(void)unlinkat(dirfd, tmp, 0);
	errno = saved_errno;
	return keep ? -1 : 0;
}

/*
 * Write atomically: a temporary file beside the target, flushed to disk,
 * renamed over it.  A crash at any point leaves a whole file.  The
 * directory is given as a descriptor, so that a daemon in a chroot can
 * still write where the file lives outside it.
 */
int
state_save_at(int dirfd, const char *name, const struct whitelist *wl,
    int64_t real_now, int64_t mono_now, char *err, size_t errlen)
{
	char tmp[NAME_MAX + 1];
	int fd, rc;

	if ((fd = state_tmp_open(dirfd, name, tmp, sizeof(tmp), err, errlen))
	    == -1)
		return -1;
	rc = state_write(fd, wl, real_now, mono_now, err, errlen);
	close(fd);
	if (rc == -1) {
		(void)state_tmp_close(dirfd, tmp, name, false, NULL, 0);
		return -1;
	}
	return state_tmp_close(dirfd, tmp, name, true, err, errlen);
}

/*
 * Open the directory of the state file at path, creating it (mode 0700)
 * if it is missing, for saves through it: they still work after a chroot
 * or in capability mode.  *name (if name is not NULL) gets the file's
 * name in it, *made (likewise) whether the directory was created now.
 * Failures are logged; returns the descriptor or -1.
 */
int
state_dir_open(const char *path, const char **name, bool *made)
{
	char dir[PATH_MAX];
	const char *base;
	int fd;

	if (made != NULL)
		*made = false;
	if ((base = path_split(path, dir, sizeof(dir))) == NULL) {
		log_warnx("state file %s: directory name too long", path);
		return -1;
	}
	if (name != NULL)
		*name = base;
	/* A directory of its own, not "." or "/": create it if need be. */
	if (base != path && strcmp(dir, "/") != 0) {
		if (mkdir(dir, 0700) == 0) {
			if (made != NULL)
				*made = true;
		} else if (errno != EEXIST)
			log_warn("state directory %s", dir);
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		log_warn("state directory %s", dir);
	return fd;
}

int
state_save(const char *path, const struct whitelist *wl, int64_t real_now,
    int64_t mono_now, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	const char *name;
	int dirfd, rc;

	if ((name = path_split(path, dir, sizeof(dir))) == NULL) {
		seterr(err, errlen, "%s: directory name too long", path);
		return -1;
	}
	if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		seterr(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	rc = state_save_at(dirfd, name, wl, real_now, mono_now, err, errlen);
	close(dirfd);
	return rc;
}
