/*
 * The control protocol's request parser (control_proto.h).  It sees bytes
 * from any local user in the control group, so it trusts none of them:
 * every request that is not exactly one of the commands is refused with
 * the reason, and nothing is acted on.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control_proto.h"
#include "log.h"

#define WORDS_MAX	5	/* "json add ADDRESS SECONDS" and one extra */

struct words {
	char	*w[WORDS_MAX];
	size_t	 n;
};

/* Split at blanks; false if there are more words than any request has. */
static bool
split(char *line, struct words *ws)
{
	char *p = line;

	ws->n = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return true;
		if (ws->n == WORDS_MAX)
			return false;
		ws->w[ws->n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
}

static bool
parse_count(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long n;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return false;
	*out = n;
	return true;
}

/* ADDRESS or ADDRESS/PREFIX, the prefix in the address's own family. */
static int
parse_target(char *s, struct ctl_request *req, char *err, size_t errlen)
{
	char *slash = strchr(s, '/');
	long long bits;

	req->prefix = -1;
	if (slash != NULL)
		*slash = '\0';
	if (!addr_parse(s, &req->addr)) {
		seterr(err, errlen, "'%s' is not an IPv4 or IPv6 address", s);
		return -1;
	}
	if (slash != NULL) {
		if (!parse_count(slash + 1, 0, addr_is_v4(&req->addr) ? 32 :
		    128, &bits)) {
			seterr(err, errlen, "'%s' is not a prefix length of "
			    "an IPv%c address", slash + 1,
			    addr_is_v4(&req->addr) ? '4' : '6');
			return -1;
		}
		req->prefix = (int)bits;
	}
	req->has_addr = true;
	return 0;
}

static int
arity(const struct words *ws, size_t first, size_t min, size_t max,
    const char *usage, char *err, size_t errlen)
{
	size_t args = ws->n - first;

	if (args < min || args > max) {
		seterr(err, errlen, "%s: usage: %s", args < min ?
		    "missing argument" : "too many arguments", usage);
		return -1;
	}
	return 0;
}

static int
parse_words(struct words *ws, struct ctl_request *req, char *err,
    size_t errlen)
{
	size_t i = 0;
	const char *cmd;

	if (ws->n > 0 && strcmp(ws->w[0], "json") == 0) {
		req->json = true;
		i++;
	}
	if (i == ws->n) {
		seterr(err, errlen, "empty request");
		return -1;
	}
	cmd = ws->w[i++];
	if (strcmp(cmd, "show") == 0) {
		if (i == ws->n) {
			seterr(err, errlen, "show what? stats, whitelist, "
			    "blocked, suspects, allow or tried");
			return -1;
		}
		if (strcmp(ws->w[i], "stats") == 0) {
			req->cmd = CTL_SHOW_STATS;
			return arity(ws, i + 1, 0, 0, "show stats", err,
			    errlen);
		}
		if (strcmp(ws->w[i], "whitelist") == 0) {
			req->cmd = CTL_SHOW_WHITELIST;
			if (arity(ws, i + 1, 0, 1,
			    "show whitelist [ADDRESS[/PREFIX]]", err,
			    errlen) == -1)
				return -1;
			return i + 1 < ws->n ? parse_target(ws->w[i + 1], req,
			    err, errlen) : 0;
		}
		if (strcmp(ws->w[i], "blocked") == 0) {
			req->cmd = CTL_SHOW_BLOCKED;
			return arity(ws, i + 1, 0, 0, "show blocked", err,
			    errlen);
		}
		if (strcmp(ws->w[i], "suspects") == 0) {
			req->cmd = CTL_SHOW_SUSPECTS;
			return arity(ws, i + 1, 0, 0, "show suspects", err,
			    errlen);
		}
		if (strcmp(ws->w[i], "allow") == 0) {
			req->cmd = CTL_SHOW_ALLOW;
			return arity(ws, i + 1, 0, 0, "show allow", err,
			    errlen);
		}
		if (strcmp(ws->w[i], "tried") == 0) {
			req->cmd = CTL_SHOW_TRIED;
			if (arity(ws, i + 1, 0, 1, "show tried [ADDRESS]",
			    err, errlen) == -1 || (i + 1 < ws->n &&
			    parse_target(ws->w[i + 1], req, err, errlen) ==
			    -1))
				return -1;
			if (req->prefix != -1) {
				seterr(err, errlen, "show tried takes an "
				    "address, not a network");
				return -1;
			}
			return 0;
		}
		seterr(err, errlen, "cannot show '%s': stats, whitelist, "
		    "blocked, suspects, allow or tried", ws->w[i]);
		return -1;
	}
	if (strcmp(cmd, "add") == 0) {
		req->cmd = CTL_ADD;
		if (arity(ws, i, 1, 2, "add ADDRESS[/PREFIX] [SECONDS]", err,
		    errlen) == -1 || parse_target(ws->w[i], req, err, errlen)
		    == -1)
			return -1;
		if (i + 1 < ws->n && !parse_count(ws->w[i + 1], 1,
		    CTL_SECONDS_MAX, &req->seconds)) {
			seterr(err, errlen, "'%s' is not a whole number of "
			    "seconds from 1 to %lld", ws->w[i + 1],
			    CTL_SECONDS_MAX);
			return -1;
		}
		return 0;
	}
	if (strcmp(cmd, "delete") == 0) {
		req->cmd = CTL_DELETE;
		if (arity(ws, i, 1, 1, "delete ADDRESS[/PREFIX]", err,
		    errlen) == -1)
			return -1;
		return parse_target(ws->w[i], req, err, errlen);
	}
	if (strcmp(cmd, "flush") == 0) {
		req->cmd = CTL_FLUSH;
		if (i == ws->n || strcmp(ws->w[i], "force") != 0) {
			seterr(err, errlen, "flush removes every entry: it "
			    "needs force (mxallowctl -f)");
			return -1;
		}
		return arity(ws, i + 1, 0, 0, "flush force", err, errlen);
	}
	if (strcmp(cmd, "reload") == 0) {
		req->cmd = CTL_RELOAD;
		return arity(ws, i, 0, 0, "reload", err, errlen);
	}
	if (strcmp(cmd, "log") == 0) {
		req->cmd = CTL_LOG;
		if (arity(ws, i, 1, 1, "log debug|info|quiet", err, errlen)
		    == -1)
			return -1;
		if (strcmp(ws->w[i], "debug") == 0)
			req->level = LOG_LEVEL_DEBUG;
		else if (strcmp(ws->w[i], "info") == 0)
			req->level = LOG_LEVEL_INFO;
		else if (strcmp(ws->w[i], "quiet") == 0)
			req->level = LOG_LEVEL_QUIET;
		else {
			seterr(err, errlen, "unknown log level '%s': debug, "
			    "info or quiet", ws->w[i]);
			return -1;
		}
		return 0;
	}
	seterr(err, errlen, "unknown command '%.32s'", cmd);
	return -1;
}

/*
 * Parse one request: len bytes of line, without its newline (a trailing
 * carriage return is allowed).  Returns 0, or -1 with the reason in err.
 */
int
ctl_parse(const char *line, size_t len, struct ctl_request *req, char *err,
    size_t errlen)
{
	char buf[CTL_LINE_MAX];
	struct words ws;
	size_t i;

	memset(req, 0, sizeof(*req));
	req->prefix = -1;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len >= sizeof(buf)) {
		seterr(err, errlen, "request longer than %d bytes",
		    CTL_LINE_MAX - 1);
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c != '\t' && (c < 0x20 || c > 0x7e)) {
			seterr(err, errlen, "request holds a byte that is not "
			    "printable ASCII (0x%02x at %zu)", c, i);
			return -1;
		}
	}
	memcpy(buf, line, len);
	buf[len] = '\0';
	if (!split(buf, &ws)) {
		seterr(err, errlen, "too many words in the request");
		return -1;
	}
	if (parse_words(&ws, req, err, errlen) == -1) {
		memset(req, 0, sizeof(*req));
		req->prefix = -1;
		return -1;
	}
	return 0;
}

const char *
ctl_command_name(enum ctl_command cmd)
{
	switch (cmd) {
	case CTL_SHOW_STATS:
		return "show stats";
	case CTL_SHOW_WHITELIST:
		return "show whitelist";
	case CTL_ADD:
		return "add";
	case CTL_DELETE:
		return "delete";
	case CTL_FLUSH:
		return "flush";
	case CTL_RELOAD:
		return "reload";
	case CTL_LOG:
		return "log";
	case CTL_SHOW_BLOCKED:
		return "show blocked";
	case CTL_SHOW_SUSPECTS:
		return "show suspects";
	case CTL_SHOW_ALLOW:
		return "show allow";
	case CTL_SHOW_TRIED:
		return "show tried";
	}
	return "?";
}
