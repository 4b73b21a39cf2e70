/*
 * The sync event's text (sync_event.h), and the URL of the server.
 *
 * The parser takes nothing on trust: every field has one spelling (the
 * one sync_event_format() writes), so that a value either round-trips
 * exactly or is refused, and the times must make sense against our own
 * clock.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sync_event.h"

/* Gate and channel names: host-name characters, and ':' '_'. */
bool
sync_name_valid(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= SYNC_NAME_MAX && strspn(s,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-._:") == n;
}

/* The prefix of a key in its own family: 32 for one IPv4 host. */
static unsigned
family_bits(const struct mx_addr *addr, unsigned prefix)
{
	return addr_is_v4(addr) ? 96 + prefix : prefix;
}

static bool
prefix_valid(const struct mx_addr *addr, unsigned prefix)
{
	/* Not wider than whitelist-prefix4/6 may make them. */
	return addr_is_v4(addr) ? prefix >= 8 && prefix <= 32 :
	    prefix >= 16 && prefix <= 128;
}

/* "ADDRESS/PREFIX" of a key; -1 if it does not fit. */
static int
format_key(const struct mx_addr *addr, unsigned prefix, char *buf,
    size_t len)
{
	char a[MX_ADDRSTRLEN];
	int n;

	addr_format(addr, a, sizeof(a));
	n = snprintf(buf, len, "%s/%u", a, prefix);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

/* The event as one line, without a newline: its length, or -1. */
int
sync_event_format(const struct sync_event *ev, char *buf, size_t len)
{
	char key[MX_ADDRSTRLEN + 4];
	int n;

	if (!sync_name_valid(ev->gate) || !prefix_valid(&ev->addr,
	    ev->prefix) || ev->ms <= 0 || ev->ms > 999999999999999LL ||
	    format_key(&ev->addr, ev->prefix, key, sizeof(key)) == -1)
		return -1;
	n = snprintf(buf, len, "%s %s %s %s %lld", SYNC_MAGIC, ev->gate,
	    ev->op == SYNC_ADD ? "add" : "del", key, (long long)ev->ms);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

/* The key the entry is stored under: "CHANNEL:ADDRESS/PREFIX". */
int
sync_event_key(const char *channel, const struct mx_addr *addr,
    unsigned prefix, char *buf, size_t len)
{
	char key[MX_ADDRSTRLEN + 4];
	int n;

	if (format_key(addr, prefix, key, sizeof(key)) == -1)
		return -1;
	n = snprintf(buf, len, "%s:%s", channel, key);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

/* A decimal number as we write it: no sign, no leading zero. */
static bool
parse_decimal(const char *s, size_t maxdigits, long long *out)
{
	size_t n = strlen(s);
	long long v = 0;
	size_t i;

	if (n == 0 || n > maxdigits || strspn(s, "0123456789") != n ||
	    (n > 1 && s[0] == '0'))
		return false;
	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	*out = v;
	return true;
}

/* "ADDRESS/PREFIX", canonical, host bits zero. */
static bool
parse_key(char *s, struct mx_addr *addr, unsigned *prefix)
{
	char *slash = strchr(s, '/'), again[MX_ADDRSTRLEN];
	struct mx_addr masked;
	long long bits;

	if (slash == NULL || slash - s >= MX_ADDRSTRLEN)
		return false;
	*slash = '\0';
	if (!addr_parse(s, addr) ||
	    strcmp(addr_format(addr, again, sizeof(again)), s) != 0 ||
	    !parse_decimal(slash + 1, 3, &bits) ||
	    !prefix_valid(addr, (unsigned)bits))
		return false;
	*prefix = (unsigned)bits;
	masked = *addr;
	addr_mask(&masked, family_bits(addr, *prefix));
	return addr_equal(&masked, addr);
}

static enum sync_parse
bad(char *err, size_t errlen, const char *why)
{
	seterr(err, errlen, "%s", why);
	return SYNC_PARSE_BAD;
}

/*
 * Parse one event of len bytes, received at now_ms (our wall clock), for
 * a whitelist whose entries live wl_ms.  An entry may not expire further
 * ahead than wl_ms (and the clocks' difference): no gate can whitelist
 * anybody for longer than we would.  A deletion may not come from the
 * future either.  What has expired, or is older than any live entry, is
 * stale: well formed, but nothing to do.
 */
enum sync_parse
sync_event_parse(const char *buf, size_t len, int64_t now_ms, int64_t wl_ms,
    struct sync_event *ev, char *err, size_t errlen)
{
	char line[SYNC_EVENT_MAX + 1], *f[6], *p;
	long long ms;
	size_t i, nf = 0;

	memset(ev, 0, sizeof(*ev));
	if (len == 0)
		return bad(err, errlen, "empty");
	if (len > SYNC_EVENT_MAX)
		return bad(err, errlen, "too long");
	for (i = 0; i < len; i++)
		if (buf[i] < 0x21 && buf[i] != ' ')
			return bad(err, errlen, "control character");
		else if ((unsigned char)buf[i] > 0x7e)
			return bad(err, errlen, "not ASCII");
	memcpy(line, buf, len);
	line[len] = '\0';
	/* Exactly five fields, one blank between each. */
	for (p = line; nf < 6; nf++) {
		f[nf] = p;
		if ((p = strchr(p, ' ')) == NULL) {
			nf++;
			break;
		}
		*p++ = '\0';
	}
	if (nf != 5)
		return bad(err, errlen, "not five fields");
	for (i = 0; i < nf; i++)
		if (*f[i] == '\0')
			return bad(err, errlen, "empty field");
	if (strcmp(f[0], SYNC_MAGIC) != 0)
		return bad(err, errlen, "unknown version");
	if (!sync_name_valid(f[1]))
		return bad(err, errlen, "bad gate name");
	snprintf(ev->gate, sizeof(ev->gate), "%s", f[1]);
	if (strcmp(f[2], "add") == 0)
		ev->op = SYNC_ADD;
	else if (strcmp(f[2], "del") == 0)
		ev->op = SYNC_DELETE;
	else
		return bad(err, errlen, "unknown operation");
	if (!parse_key(f[3], &ev->addr, &ev->prefix))
		return bad(err, errlen, "bad address/prefix");
	if (!parse_decimal(f[4], 15, &ms) || ms == 0)
		return bad(err, errlen, "bad time");
	ev->ms = ms;
	if (ev->op == SYNC_ADD) {
		if (ev->ms > now_ms + wl_ms + SYNC_SKEW_MS)
			return bad(err, errlen, "expiry beyond whitelist-time");
		if (ev->ms <= now_ms)
			return SYNC_PARSE_STALE;
	} else {
		if (ev->ms > now_ms + SYNC_SKEW_MS)
			return bad(err, errlen, "deletion from the future");
		if (ev->ms < now_ms - wl_ms - SYNC_SKEW_MS)
			return SYNC_PARSE_STALE;
	}
	return SYNC_PARSE_OK;
}

/* Copy [s, e) into buf of len bytes; false if it does not fit. */
static bool
span(const char *s, const char *e, char *buf, size_t len)
{
	if ((size_t)(e - s) >= len)
		return false;
	memcpy(buf, s, (size_t)(e - s));
	buf[e - s] = '\0';
	return true;
}

/* Printable ASCII, no blank: what a user name or password may hold. */
static bool
credential_valid(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x21 || *s > 0x7e)
			return false;
	return true;
}

static bool
host_valid(const char *h)
{
	struct mx_addr a;
	size_t n = strlen(h);

	if (addr_parse(h, &a))
		return true;
	return n > 0 && n < 254 && strspn(h,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-.") == n && h[0] != '-' && h[0] != '.';
}

/*
 * redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] or unix:///PATH.  HOST is a
 * name, an IPv4 address, or an IPv6 address in brackets.
 */
int
sync_url_parse(const char *url, struct sync_url *u, char *err, size_t errlen)
{
	const char *p, *at, *hend, *end;
	long long n;
	char num[16];

	memset(u, 0, sizeof(*u));
	u->port = 6379;
	if (strncmp(url, "unix://", 7) == 0) {
		p = url + 7;
		if (p[0] != '/' || p[1] == '\0') {
			seterr(err, errlen, "unix:// needs an absolute path "
			    "(unix:///PATH)");
			return -1;
		}
		if (!credential_valid(p) || strlen(p) >= sizeof(u->path)) {
			seterr(err, errlen, "unix socket path too long or "
			    "not printable ASCII");
			return -1;
		}
		u->is_unix = true;
		snprintf(u->path, sizeof(u->path), "%s", p);
		return 0;
	}
	if (strncmp(url, "redis://", 8) != 0) {
		seterr(err, errlen, "'%s' is neither redis://HOST nor "
		    "unix:///PATH", url);
		return -1;
	}
	p = url + 8;
	end = p + strlen(p);
	if (!credential_valid(p)) {
		seterr(err, errlen, "blank or control character in the URL");
		return -1;
	}
	/* The password may hold '@' and ':'; the host holds neither. */
	if ((at = strrchr(p, '@')) != NULL) {
		const char *colon = memchr(p, ':', (size_t)(at - p));

		if (colon == NULL || colon + 1 == at) {
			seterr(err, errlen, "credentials must be "
			    "[USER]:PASSWORD@");
			return -1;
		}
		if (!span(p, colon, u->user, sizeof(u->user)) ||
		    !span(colon + 1, at, u->password, sizeof(u->password))) {
			seterr(err, errlen, "user name or password too long");
			return -1;
		}
		p = at + 1;
	}
	if (*p == '[') {
		if ((hend = strchr(p, ']')) == NULL ||
		    !span(p + 1, hend, u->host, sizeof(u->host)) ||
		    strchr(u->host, ':') == NULL || !addr_parse(u->host,
		    &(struct mx_addr){ { 0 } })) {
			seterr(err, errlen, "bad IPv6 address in brackets");
			return -1;
		}
		p = hend + 1;
	} else {
		hend = p + strcspn(p, ":/");
		if (!span(p, hend, u->host, sizeof(u->host)) ||
		    strchr(u->host, ':') != NULL || !host_valid(u->host)) {
			seterr(err, errlen, "bad host name '%.*s'",
			    (int)(hend - p), p);
			return -1;
		}
		p = hend;
	}
	if (*p == ':') {
		hend = p + 1 + strcspn(p + 1, "/");
		if (!span(p + 1, hend, num, sizeof(num)) ||
		    !parse_decimal(num, 5, &n) || n < 1 || n > 65535) {
			seterr(err, errlen, "port must be 1 to 65535");
			return -1;
		}
		u->port = (int)n;
		p = hend;
	}
	if (*p == '/') {
		if (!span(p + 1, end, num, sizeof(num)) ||
		    !parse_decimal(num, 5, &n) || n > 65535) {
			seterr(err, errlen, "database must be a number from "
			    "0 to 65535");
			return -1;
		}
		u->db = (int)n;
		p = end;
	}
	if (*p != '\0') {
		seterr(err, errlen, "unexpected '%s' after the host", p);
		return -1;
	}
	return 0;
}
