/*
 * The privileged process's side of the state file (statefile.h).
 *
 * It holds a descriptor of the file's directory, opened at start-up while
 * it could still create the directory, and does three things with it:
 * create a temporary file (handed to the parser, which fills it), rename
 * it over the state file, or remove it.  One temporary file at a time: a
 * new one replaces a forgotten one.  The names are its own: the parser
 * names nothing, so it cannot point the writer anywhere else.
 *
 * What the parser may write into the file is bounded by its RLIMIT_FSIZE
 * (privsep_drop()), and the file is read back by state_parse(), which
 * trusts no line of it.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "state.h"
#include "statefile.h"

/*
 * Open the directory of path, creating it (mode 0700) if it is missing.
 * A failure is logged: the daemon runs on, its saves fail and say so.
 */
void
state_writer_init(struct state_writer *sw, const char *path)
{
	char dir[1024];
	const char *slash;

	memset(sw, 0, sizeof(*sw));
	sw->dirfd = -1;
	if (path == NULL)
		return;
	if ((slash = strrchr(path, '/')) == NULL) {
		snprintf(dir, sizeof(dir), ".");
		sw->name = path;
	} else {
		if ((size_t)(slash - path) >= sizeof(dir)) {
			log_warnx("state file %s: directory name too long",
			    path);
			return;
		}
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
		if (dir[0] == '\0')
			snprintf(dir, sizeof(dir), "/");
		sw->name = slash + 1;
		if (mkdir(dir, 0700) == -1 && errno != EEXIST)
			log_warn("state directory %s", dir);
	}
	if ((sw->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		log_warn("state directory %s", dir);
}

/* A new temporary file's descriptor, or -1 with errno set. */
int
state_writer_open(struct state_writer *sw)
{
	char err[256];
	int fd;

	if (sw->dirfd == -1) {
		errno = ENOENT;
		return -1;
	}
	(void)state_writer_close(sw, false);
	fd = state_tmp_open(sw->dirfd, sw->name, sw->tmp, sizeof(sw->tmp),
	    err, sizeof(err));
	if (fd == -1)
		sw->tmp[0] = '\0';
	return fd;
}

/* Keep or discard the temporary file: 0, or an errno value. */
int
state_writer_close(struct state_writer *sw, bool keep)
{
	int rc;

	if (sw->dirfd == -1 || sw->tmp[0] == '\0')
		return keep ? ENOENT : 0;
	rc = state_tmp_close(sw->dirfd, sw->tmp, sw->name, keep, NULL, 0);
	sw->tmp[0] = '\0';
	return rc == 0 ? 0 : errno;
}

void
state_writer_free(struct state_writer *sw)
{
	(void)state_writer_close(sw, false);
	if (sw->dirfd != -1)
		close(sw->dirfd);
	sw->dirfd = -1;
}
