/*
 * The privileged parent's side of the state file (statefile.h).
 *
 * It holds a descriptor of the file's directory, opened when the daemon
 * splits, and does three things with it: create a temporary file (handed
 * to the engine, which fills it), rename it over the state file, or
 * remove it.  One temporary file at a time: a new one replaces a
 * forgotten one.  The names are its own: the engine names nothing, so it
 * cannot point the writer anywhere else.
 *
 * What the engine may write into the file is bounded by its RLIMIT_FSIZE
 * (privsep_drop()), and the file is read back by state_parse(), which
 * trusts no line of it.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "state.h"
#include "statefile.h"

/* A failure is logged: the daemon runs on, its saves fail and say so. */
void
state_writer_init(struct state_writer *sw, const char *path)
{
	memset(sw, 0, sizeof(*sw));
	sw->dirfd = path == NULL ? -1 : state_dir_open(path, &sw->name, NULL);
}

/*
 * The metrics file's writer: the same requests, another file, whose
 * directory (node_exporter's) is not created, and which all may read.
 */
void
metrics_writer_init(struct state_writer *sw, const char *path)
{
	memset(sw, 0, sizeof(*sw));
	sw->readable = true;
	sw->dirfd = path == NULL ? -1 : metrics_dir_open(path, &sw->name);
}

/* A new temporary file's descriptor, or -1 with errno set. */
int
state_writer_open(struct state_writer *sw)
{
	int fd;

	if (sw->dirfd == -1) {
		errno = ENOENT;
		return -1;
	}
	(void)state_writer_close(sw, false);
	if (sw->readable)
		fd = metrics_tmp_open(sw->dirfd, sw->name, sw->tmp,
		    sizeof(sw->tmp), NULL, 0);
	else
		fd = state_tmp_open(sw->dirfd, sw->name, sw->tmp,
		    sizeof(sw->tmp), NULL, 0);
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
