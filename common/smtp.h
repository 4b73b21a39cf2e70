/*
 * A strict parser for the few SMTP commands the answering fake MX
 * (fake-answer 450) takes: one command line in, its verb and the one
 * argument worth recording out.  It reads lines that anybody on the
 * internet can send, so it accepts only what RFC 5321 allows of them and
 * hands back nothing that could upset a log line or a JSON string.
 */
#ifndef MX_SMTP_H
#define MX_SMTP_H

#include <stddef.h>

/*
 * The longest command line, its CRLF included (RFC 5321 4.5.3.1.4), and
 * so the longest argument.
 */
#define SMTP_LINE_MAX	512

enum smtp_verb {
	SMTP_HELO,
	SMTP_EHLO,
	SMTP_MAIL,	/* arg: the reverse-path's address, "" for <> */
	SMTP_RCPT,	/* arg: the forward-path's address */
	SMTP_DATA,
	SMTP_RSET,
	SMTP_NOOP,
	SMTP_QUIT,
	SMTP_UNKNOWN,	/* a verb we do not take */
	SMTP_BAD	/* a verb we take, with a bad argument; or junk */
};

struct smtp_cmd {
	enum smtp_verb	verb;
	char		arg[SMTP_LINE_MAX];	/* HELO/EHLO, MAIL, RCPT */
};

/*
 * Parse one line, without its line ending (len bytes; NUL bytes make it
 * SMTP_BAD).  Returns the verb, also in cmd->verb; arg is "" unless the
 * verb carries one.  Never reads past len.
 */
enum smtp_verb	smtp_parse(const char *, size_t, struct smtp_cmd *);
const char	*smtp_verb_name(enum smtp_verb);

#endif
