/*
 * Logging in the manner of the OpenBSD daemons: log_warn() appends the
 * errno text, log_warnx() does not, fatal() and fatalx() log and exit.
 * Before log_init() and with -s, messages go to standard output (warnings
 * to standard error), so that start-up errors reach the terminal.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static bool		 use_syslog;
static enum log_level	 level = LOG_LEVEL_INFO;
static const char	*progname = "mxallowd";

void
log_init(const char *name, bool to_stdout, enum log_level lvl)
{
	progname = name;
	level = lvl;
	use_syslog = !to_stdout;
	if (use_syslog)
		openlog(name, LOG_PID | LOG_NDELAY, LOG_MAIL);
	else
		setvbuf(stdout, NULL, _IOLBF, 0);
}

void
log_set_level(enum log_level lvl)
{
	level = lvl;
}

bool
log_debug_enabled(void)
{
	return level >= LOG_LEVEL_DEBUG;
}

static void
vlog(int pri, const char *fmt, va_list ap)
{
	FILE *out;

	if (use_syslog) {
		vsyslog(pri, fmt, ap);
		return;
	}
	out = pri <= LOG_WARNING ? stderr : stdout;
	fprintf(out, "%s: ", progname);
	vfprintf(out, fmt, ap);
	fputc('\n', out);
	fflush(out);
}

static void
vlog_errno(int pri, int saved_errno, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (use_syslog)
		syslog(pri, "%s: %s", msg, strerror(saved_errno));
	else {
		fprintf(stderr, "%s: %s: %s\n", progname, msg,
		    strerror(saved_errno));
		fflush(stderr);
	}
}

void
log_warn(const char *fmt, ...)
{
	int saved_errno = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog_errno(LOG_WARNING, saved_errno, fmt, ap);
	va_end(ap);
	errno = saved_errno;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap);
	va_end(ap);
}

/* Statistics and start/stop messages: shown even with -q. */
void
log_notice(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_NOTICE, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (level < LOG_LEVEL_INFO)
		return;
	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (level < LOG_LEVEL_DEBUG)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

/*
 * A warning that a flood could repeat thousands of times a second: the
 * first few of each minute are logged, the rest are counted and reported
 * when the next minute opens.
 */
void
log_warn_limited(struct log_ratelimit *rl, int64_t now, const char *fmt, ...)
{
	va_list ap;

	if (now - rl->window_start >= LOG_RATELIMIT_WINDOW) {
		if (rl->suppressed > 0)
			log_warnx("%lu similar warnings suppressed",
			    rl->suppressed);
		rl->window_start = now;
		rl->sent = 0;
		rl->suppressed = 0;
	}
	if (rl->sent >= LOG_RATELIMIT_BURST) {
		rl->suppressed++;
		return;
	}
	rl->sent++;
	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap);
	va_end(ap);
}

/*
 * For functions that report an error to their caller rather than log it:
 * format the message into the caller's buffer.
 */
void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int saved_errno = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog_errno(LOG_ERR, saved_errno, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
	exit(1);
}
