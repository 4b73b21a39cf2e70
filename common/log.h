/*
 * Logging to syslog (facility mail) or to standard output.
 */
#ifndef MX_LOG_H
#define MX_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum log_level {
	LOG_LEVEL_QUIET,	/* warnings and statistics only */
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG		/* every decision */
};

/* Allows a burst of messages per minute, then counts what it holds back. */
struct log_ratelimit {
	int64_t		window_start;
	unsigned	sent;
	unsigned long	suppressed;
};

/* A line handed to the process that writes to syslog (log_forward()). */
#define LOG_LINE_MAX	1024

struct log_line {
	int32_t	pri;			/* syslog priority */
	char	text[LOG_LINE_MAX];	/* NUL-terminated; sent up to the NUL */
};

/* Lines log_relay() takes at most in one call. */
#define LOG_RELAY_BATCH	64

typedef void	log_sink_fn(int, const char *);

void	log_init(const char *, bool, enum log_level);
void	log_forward(int);
size_t	log_relay(int, unsigned long *);
void	log_set_sink(log_sink_fn *);
void	log_set_level(enum log_level);
bool	log_debug_enabled(void);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_notice(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn_limited(struct log_ratelimit *, int64_t, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	seterr(char *, size_t, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#define LOG_RATELIMIT_BURST	10
#define LOG_RATELIMIT_WINDOW	60

#endif
