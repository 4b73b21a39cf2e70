/*
 * The fake MX's SMTP command parser (smtp.h).
 *
 * What is accepted, and nothing more:
 *	HELO domain | EHLO domain		(a name or an address literal)
 *	MAIL FROM:<path> [parameters]		(<> allowed)
 *	RCPT TO:<path> [parameters]
 *	DATA, RSET, NOOP [string], QUIT
 * Verbs in any case; the line only printable ASCII; a path's address
 * without blanks, angle brackets, quotes or backslashes (a quoted local
 * part is refused: no MTA that matters needs one to be recorded, and the
 * record must be safe to log and to put in JSON as it is).
 */
#include <string.h>
#include <strings.h>

#include "smtp.h"

/* Printable ASCII and blanks only: no control characters, no 8-bit. */
static int
printable(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

/* Does s (len) start with the keyword kw, in any case? */
static int
keyword(const char *s, size_t len, const char *kw)
{
	size_t n = strlen(kw);

	return len >= n && strncasecmp(s, kw, n) == 0;
}

static int
domain_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

/* A HELO/EHLO argument: a domain, or an address literal [..]. */
static int
helo_arg(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	if (s[0] == '[') {
		if (len < 3 || s[len - 1] != ']')
			return 0;
		for (i = 1; i < len - 1; i++)
			if (!domain_char(s[i]) && s[i] != ':')
				return 0;
		return 1;
	}
	for (i = 0; i < len; i++)
		if (!domain_char(s[i]))
			return 0;
	return 1;
}

static int
path_char(char c)
{
	return c > 0x20 && c < 0x7f && c != '<' && c != '>' && c != '"' &&
	    c != '\\';
}

/*
 * "<address>" then nothing or a blank and parameters.  The address goes
 * to out (NUL-terminated); empty only if empty_ok (MAIL's null path).
 */
static int
path_arg(const char *s, size_t len, int empty_ok, char *out)
{
	size_t i;

	/* RFC 5321 wants none, but common clients put a blank after ':'. */
	while (len > 0 && *s == ' ') {
		s++;
		len--;
	}
	if (len < 2 || s[0] != '<')
		return 0;
	for (i = 1; i < len && s[i] != '>'; i++)
		if (!path_char(s[i]))
			return 0;
	if (i == len || (i == 1 && !empty_ok))
		return 0;
	if (i + 1 < len && s[i + 1] != ' ')
		return 0;
	memcpy(out, s + 1, i - 1);
	out[i - 1] = '\0';
	return 1;
}

/* Is the verb (the first word, vlen bytes) this one, in any case? */
static int
verb_is(const char *line, size_t vlen, const char *verb)
{
	return vlen == strlen(verb) && strncasecmp(line, verb, vlen) == 0;
}

enum smtp_verb
smtp_parse(const char *line, size_t len, struct smtp_cmd *cmd)
{
	const char *arg;
	size_t vlen, alen;

	cmd->arg[0] = '\0';
	cmd->verb = SMTP_BAD;
	if (len >= SMTP_LINE_MAX - 1 || !printable(line, len))
		return cmd->verb;
	for (vlen = 0; vlen < len && line[vlen] != ' '; vlen++)
		;
	arg = line + vlen;
	alen = len - vlen;
	if (verb_is(line, vlen, "HELO") || verb_is(line, vlen, "EHLO")) {
		if (alen < 2)
			return cmd->verb;
		arg++;
		alen--;
		/* Trailing blanks are common and harmless. */
		while (alen > 0 && arg[alen - 1] == ' ')
			alen--;
		if (!helo_arg(arg, alen))
			return cmd->verb;
		memcpy(cmd->arg, arg, alen);
		cmd->arg[alen] = '\0';
		cmd->verb = (line[0] | 0x20) == 'h' ? SMTP_HELO : SMTP_EHLO;
	} else if (verb_is(line, vlen, "MAIL")) {
		if (keyword(arg, alen, " FROM:") &&
		    path_arg(arg + 6, alen - 6, 1, cmd->arg))
			cmd->verb = SMTP_MAIL;
	} else if (verb_is(line, vlen, "RCPT")) {
		if (keyword(arg, alen, " TO:") &&
		    path_arg(arg + 4, alen - 4, 0, cmd->arg))
			cmd->verb = SMTP_RCPT;
	} else if (verb_is(line, vlen, "NOOP"))
		cmd->verb = SMTP_NOOP;
	else if (verb_is(line, vlen, "DATA"))
		cmd->verb = alen == 0 ? SMTP_DATA : SMTP_BAD;
	else if (verb_is(line, vlen, "RSET"))
		cmd->verb = alen == 0 ? SMTP_RSET : SMTP_BAD;
	else if (verb_is(line, vlen, "QUIT"))
		cmd->verb = alen == 0 ? SMTP_QUIT : SMTP_BAD;
	else
		cmd->verb = vlen == 0 ? SMTP_BAD : SMTP_UNKNOWN;
	return cmd->verb;
}

const char *
smtp_verb_name(enum smtp_verb v)
{
	static const char *names[] = { "HELO", "EHLO", "MAIL", "RCPT",
	    "DATA", "RSET", "NOOP", "QUIT", "unknown", "bad" };

	return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] :
	    "bad";
}
