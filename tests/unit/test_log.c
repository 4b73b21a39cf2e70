/*
 * Unit tests for log.c's relay: the lines a confined child hands to the
 * parent (log_forward()) and what the parent writes to syslog for them
 * (log_relay()), with the syslog side substituted (log_set_sink()).  The
 * child is not trusted: malformed lines are refused, priorities kept
 * between LOG_ERR and LOG_DEBUG, control characters replaced.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "t.h"

static int	got_pri;
static char	got[LOG_LINE_MAX + 64];
static int	got_count;

static void
sink(int pri, const char *msg)
{
	got_pri = pri;
	snprintf(got, sizeof(got), "%s", msg);
	got_count++;
}

/* Send raw bytes as a child might, relay them; the lines relayed. */
static size_t
relay_raw(int sv[2], const void *buf, size_t len, unsigned long *refused)
{
	got_count = 0;
	got[0] = '\0';
	if (send(sv[1], buf, len, 0) != (ssize_t)len)
		return (size_t)-1;
	return log_relay(sv[0], refused);
}

/* One well-formed line in, not relayed yet. */
static void
relay_raw_send(int sv[2], const char *text)
{
	struct log_line line;
	size_t len = offsetof(struct log_line, text) + strlen(text) + 1;

	memset(&line, 0, sizeof(line));
	line.pri = LOG_INFO;
	memcpy(line.text, text, strlen(text));
	(void)send(sv[1], &line, len, MSG_DONTWAIT);
}

static size_t
relay_line(int sv[2], int pri, const char *text, size_t extra,
    unsigned long *refused)
{
	struct log_line line;

	memset(&line, 0, sizeof(line));
	line.pri = pri;
	memcpy(line.text, text, strlen(text));
	return relay_raw(sv, &line, offsetof(struct log_line, text) +
	    strlen(text) + extra, refused);
}

int
main(void)
{
	struct log_line line;
	unsigned long refused = 0;
	int sv[2];
	size_t n;

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == -1) {
		perror("socketpair");
		return 2;
	}
	log_init("test_log", false, LOG_LEVEL_DEBUG);
	log_set_sink(sink);

	/* The child's side: its lines go to the socket, not to syslog. */
	log_forward(sv[1]);
	got_count = 0;
	log_info("whitelist %s", "198.51.100.1");
	log_warnx("a warning");
	CHECK(got_count == 0, "a forwarding process writes nothing itself");
	n = log_relay(sv[0], &refused);
	CHECK(n == 2 && refused == 0 && strcmp(got, "a warning") == 0 &&
	    got_pri == LOG_WARNING, "the parent relays both lines, with "
	    "their priority (%zu, \"%s\", %d)", n, got, got_pri);
	log_forward(-1);

	n = relay_line(sv, LOG_INFO, "plain line", 1, &refused);
	CHECK(n == 1 && strcmp(got, "plain line") == 0 && got_pri == LOG_INFO,
	    "a well-formed line is relayed as it is");
	n = relay_line(sv, LOG_EMERG, "panic!", 1, &refused);
	CHECK(n == 1 && got_pri == LOG_ERR,
	    "a child's LOG_EMERG is written as LOG_ERR (%d)", got_pri);
	n = relay_line(sv, 99, "odd", 1, &refused);
	CHECK(n == 1 && got_pri == LOG_DEBUG,
	    "an unknown priority is written as LOG_DEBUG (%d)", got_pri);
	n = relay_line(sv, LOG_INFO, "two\nlines\x1b[0m", 1, &refused);
	CHECK(n == 1 && strcmp(got, "two?lines?[0m") == 0,
	    "control characters become '?' (%s)", got);

	refused = 0;
	n = relay_line(sv, LOG_INFO, "no terminating NUL", 0, &refused);
	CHECK(n == 0 && refused == 1 && got_count == 0,
	    "a line without its NUL is refused");
	memset(&line, 0, sizeof(line));
	line.pri = LOG_INFO;
	memcpy(line.text, "early\0late", 11);
	n = relay_raw(sv, &line, offsetof(struct log_line, text) + 11,
	    &refused);
	CHECK(n == 0 && refused == 2 && got_count == 0,
	    "a line with a NUL inside is refused");
	n = relay_raw(sv, &line, 3, &refused);
	CHECK(n == 0 && refused == 3, "a message shorter than a priority is "
	    "refused");
	n = relay_raw(sv, &line, offsetof(struct log_line, text), &refused);
	CHECK(n == 0 && refused == 4, "a message with no text is refused");
	n = relay_line(sv, LOG_INFO, "after all that", 1, &refused);
	CHECK(n == 1 && strcmp(got, "after all that") == 0,
	    "and the relay goes on");

	/* A flood of lines: relayed a batch at a time. */
	for (n = 0; n < 100; n++)
		relay_raw_send(sv, "flood line");
	n = log_relay(sv[0], &refused);
	CHECK(n == LOG_RELAY_BATCH, "one call relays at most %d lines (%zu)",
	    LOG_RELAY_BATCH, n);
	while (log_relay(sv[0], &refused) > 0)
		;

	/*
	 * The relay's socket full (a datagram socket queues a few lines):
	 * the lines that do not fit are counted, and the count goes with
	 * the first line that gets through afterwards.
	 */
	log_forward(sv[1]);
	for (n = 0; n < 5000; n++)
		log_info("filler line %zu", n);
	while (log_relay(sv[0], &refused) > 0)
		;
	CHECK(strstr(got, "filler line") != NULL &&
	    strstr(got, "filler line 4999") == NULL,
	    "a full relay socket loses lines, not the daemon (%s)", got);
	log_info("the first to get through");
	log_forward(-1);
	n = log_relay(sv[0], &refused);
	CHECK(n == 1 && strstr(got, "the first to get through (") != NULL &&
	    strstr(got, " log lines lost before this one)") != NULL,
	    "the lines lost are counted in the next (%s)", got);
	close(sv[0]);
	close(sv[1]);
	return T_DONE();
}
