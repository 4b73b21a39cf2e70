/*
 * Fuzz target: the answering fake MX's SMTP command parser (smtp_parse()),
 * fed the input as one command line without its line ending: what any
 * host that completes a handshake with the fake MX may send.
 *
 * Whatever the input: the verb is one of the enum's; the argument is
 * NUL-terminated inside its buffer, empty unless the verb carries one
 * (HELO, EHLO, MAIL, RCPT), not empty for HELO, EHLO and RCPT, made only
 * of the characters that are safe in a log line and a JSON string, and
 * found in the input as it is.  A line that is too long, or holds a byte
 * that is not printable ASCII, is SMTP_BAD.  An accepted command, written
 * out again in its canonical form (and with the verb in lower case),
 * parses to the same command.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "smtp.h"

static bool
safe(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s > '~' || *s == '<' || *s == '>' ||
		    *s == '"' || *s == '\\')
			return false;
	return true;
}

/* The command written out again, verb in upper or lower case. */
static size_t
canonical(const struct smtp_cmd *cmd, bool lower, char *buf, size_t len)
{
	const char *fmt;
	size_t i;
	int n;

	switch (cmd->verb) {
	case SMTP_HELO:
		fmt = "HELO %s";
		break;
	case SMTP_EHLO:
		fmt = "EHLO %s";
		break;
	case SMTP_MAIL:
		fmt = "MAIL FROM:<%s>";
		break;
	case SMTP_RCPT:
		fmt = "RCPT TO:<%s> NOTIFY=NEVER";
		break;
	default:
		fmt = "%s";
		break;
	}
	if (fmt[0] == '%')
		n = snprintf(buf, len, "%s", smtp_verb_name(cmd->verb));
	else
		n = snprintf(buf, len, fmt, cmd->arg);
	REQUIRE(n > 0 && (size_t)n < len);
	for (i = 0; lower && i < 4; i++)
		buf[i] = (char)tolower((unsigned char)buf[i]);
	return (size_t)n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct smtp_cmd cmd, again;
	char line[2 * SMTP_LINE_MAX];
	enum smtp_verb v;
	size_t i, n;
	bool printable = true;

	memset(&cmd, 0xa5, sizeof(cmd));
	v = smtp_parse((const char *)data, size, &cmd);
	REQUIRE(v == cmd.verb && v >= SMTP_HELO && v <= SMTP_BAD);
	REQUIRE(memchr(cmd.arg, '\0', sizeof(cmd.arg)) != NULL);
	for (i = 0; i < size; i++)
		if (data[i] < 0x20 || data[i] > 0x7e)
			printable = false;
	if (!printable || size >= SMTP_LINE_MAX - 1)
		REQUIRE(v == SMTP_BAD);
	if (v != SMTP_HELO && v != SMTP_EHLO && v != SMTP_MAIL &&
	    v != SMTP_RCPT) {
		REQUIRE(cmd.arg[0] == '\0');
		return 0;
	}
	REQUIRE(safe(cmd.arg));
	REQUIRE(v == SMTP_MAIL || cmd.arg[0] != '\0');
	/* The argument is the input's own. */
	n = strlen(cmd.arg);
	REQUIRE(n < size);
	for (i = 0; i + n <= size; i++)
		if (memcmp(data + i, cmd.arg, n) == 0)
			break;
	REQUIRE(i + n <= size);
	/*
	 * Canonical, and lower case: the same command, unless the canonical
	 * form (RCPT's has a parameter) is too long to be a command line.
	 */
	n = canonical(&cmd, false, line, sizeof(line));
	if (n >= SMTP_LINE_MAX - 1) {
		REQUIRE(smtp_parse(line, n, &again) == SMTP_BAD);
		return 0;
	}
	REQUIRE(smtp_parse(line, n, &again) == v &&
	    strcmp(again.arg, cmd.arg) == 0);
	n = canonical(&cmd, true, line, sizeof(line));
	REQUIRE(smtp_parse(line, n, &again) == v &&
	    strcmp(again.arg, cmd.arg) == 0);
	return 0;
}
