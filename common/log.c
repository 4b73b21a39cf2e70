/*
 * Logging in the manner of the OpenBSD daemons: log_warn() appends the
 * errno text, log_warnx() does not, fatal() and fatalx() log and exit.
 * Before log_init() and with -s, messages go to standard output (warnings
 * to standard error), so that start-up errors reach the terminal.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static bool		 use_syslog;
static enum log_level	 level = LOG_LEVEL_INFO;
static const char	*progname = "mxallowd";
static int		 forward_fd = -1;	/* see log_forward() */
static unsigned long	 forward_lost;

static void
default_sink(int pri, const char *msg)
{
	syslog(pri, "%s", msg);
}

static log_sink_fn	*sink = default_sink;

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

/*
 * A line for syslog: to the process that relays it (log_forward()), or to
 * the sink.  A line the relay cannot take now is counted, and the count
 * goes with the next line that it takes.
 */
static void
to_syslog(int pri, const char *msg)
{
	struct log_line line;
	size_t len;

	if (forward_fd == -1) {
		sink(pri, msg);
		return;
	}
	memset(&line, 0, sizeof(line));
	line.pri = pri;
	if (forward_lost == 0 || snprintf(line.text, sizeof(line.text),
	    "%s (%lu log lines lost before this one)", msg, forward_lost) < 0)
		snprintf(line.text, sizeof(line.text), "%s", msg);
	len = offsetof(struct log_line, text) + strlen(line.text) + 1;
	if (send(forward_fd, &line, len, MSG_DONTWAIT | MSG_NOSIGNAL) ==
	    (ssize_t)len)
		forward_lost = 0;
	else
		forward_lost++;
}

static void
vlog(int pri, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX];
	FILE *out;

	if (use_syslog) {
		vsnprintf(msg, sizeof(msg), fmt, ap);
		to_syslog(pri, msg);
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
	char msg[LOG_LINE_MAX], line[LOG_LINE_MAX];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (use_syslog) {
		/* A line cut at LOG_LINE_MAX is still worth logging. */
		if (snprintf(line, sizeof(line), "%s: %s", msg,
		    strerror(saved_errno)) < 0)
			line[0] = '\0';
		to_syslog(pri, line);
	} else {
		fprintf(stderr, "%s: %s: %s\n", progname, msg,
		    strerror(saved_errno));
		fflush(stderr);
	}
}

/*
 * From now on, lines for syslog go as datagrams to fd, to a process that
 * writes them with log_relay(): a chrooted or confined process could not
 * reconnect to syslogd after a restart (FreeBSD's capability mode, any
 * chroot), and its lines would be lost for good.  The socket to syslogd
 * this process inherited is closed.  Standard output (-s) is unchanged.
 */
void
log_forward(int fd)
{
	forward_fd = fd;
	if (use_syslog && fd != -1)
		closelog();
}

/*
 * The relaying side: write every line waiting on fd to syslog.  The other
 * process is not trusted: a line must be NUL-terminated where it ends,
 * with no NUL before; its priority is kept between LOG_ERR and LOG_DEBUG;
 * control characters become '?'.  Returns the lines relayed, at most
 * LOG_RELAY_BATCH a call (call again while fd is readable); a malformed
 * one is dropped and counted in *refused.
 */
size_t
log_relay(int fd, unsigned long *refused)
{
	struct log_line line;
	size_t relayed = 0, taken, i, textlen;
	ssize_t n;
	int pri;

	/* A bounded number a call: a flooding child cannot hold us here. */
	for (taken = 0; taken < LOG_RELAY_BATCH &&
	    (n = recv(fd, &line, sizeof(line), MSG_DONTWAIT)) > 0; taken++) {
		textlen = (size_t)n - offsetof(struct log_line, text);
		if ((size_t)n <= offsetof(struct log_line, text) ||
		    line.text[textlen - 1] != '\0' ||
		    strlen(line.text) != textlen - 1) {
			(*refused)++;
			continue;
		}
		for (i = 0; line.text[i] != '\0'; i++)
			if ((unsigned char)line.text[i] < 0x20 ||
			    line.text[i] == 0x7f)
				line.text[i] = '?';
		pri = line.pri < LOG_ERR ? LOG_ERR :
		    line.pri > LOG_DEBUG ? LOG_DEBUG : line.pri;
		if (use_syslog)
			sink(pri, line.text);
		else
			printf("%s: %s\n", progname, line.text);
		relayed++;
	}
	if (!use_syslog)
		fflush(stdout);
	return relayed;
}

/* Where syslog lines go in this process (tests: somewhere else). */
void
log_set_sink(log_sink_fn *fn)
{
	sink = fn != NULL ? fn : default_sink;
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
