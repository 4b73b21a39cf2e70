/*
 * Fuzz target: the control socket's request parser (ctl_parse()), fed the
 * input as one request line, the bytes any local user of the control
 * group may send.
 *
 * Whatever the input: the result is 0 or -1; a refused request comes with
 * a reason and leaves the request as cleared (nothing half-parsed to act
 * on), a shorter error buffer gets a prefix of the same reason; a line
 * that is too long or holds a byte that is not printable ASCII is refused.
 * An accepted request is one of the commands, with only the fields its
 * command has: an address for show whitelist, show tried (never with a
 * prefix), add and delete (always for the last two), a prefix in the address's family, seconds in range and
 * only for add, a log level only for log; json exactly when the first
 * word is "json".  Written out again in its canonical form, an accepted
 * request parses to the same request, and so does the line with a blank
 * appended.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_proto.h"
#include "fuzz.h"

static bool
same_request(const struct ctl_request *x, const struct ctl_request *y)
{
	return x->cmd == y->cmd && x->json == y->json &&
	    x->has_addr == y->has_addr && addr_equal(&x->addr, &y->addr) &&
	    x->prefix == y->prefix && x->seconds == y->seconds &&
	    x->level == y->level;
}

/* What ctl_parse() leaves in a request it refuses. */
static bool
cleared(const struct ctl_request *req)
{
	struct ctl_request zero;

	memset(&zero, 0, sizeof(zero));
	zero.prefix = -1;
	return memcmp(req, &zero, sizeof(zero)) == 0;
}

/* Is the first word of data[0..len) "json"? */
static bool
first_word_json(const uint8_t *data, size_t len)
{
	size_t i = 0;

	while (i < len && (data[i] == ' ' || data[i] == '\t'))
		i++;
	return len - i >= 4 && memcmp(data + i, "json", 4) == 0 &&
	    (len - i == 4 || data[i + 4] == ' ' || data[i + 4] == '\t' ||
	    (data[i + 4] == '\r' && i + 5 == len));
}

/* The request written out as mxallowctl would send it. */
static size_t
canonical(const struct ctl_request *req, char *buf, size_t len)
{
	static const char *levels[] = { "quiet", "info", "debug" };
	char addr[MX_ADDRSTRLEN], target[MX_ADDRSTRLEN + 16], secs[32];
	int n;

	target[0] = secs[0] = '\0';
	if (req->has_addr) {
		addr_format(&req->addr, addr, sizeof(addr));
		if (req->prefix >= 0)
			snprintf(target, sizeof(target), " %s/%d", addr,
			    req->prefix);
		else
			snprintf(target, sizeof(target), " %s", addr);
	}
	if (req->seconds > 0)
		snprintf(secs, sizeof(secs), " %lld", req->seconds);
	switch (req->cmd) {
	case CTL_FLUSH:
		n = snprintf(buf, len, "%sflush force", req->json ?
		    "json " : "");
		break;
	case CTL_LOG:
		REQUIRE((size_t)req->level < sizeof(levels) /
		    sizeof(levels[0]));
		n = snprintf(buf, len, "%slog %s", req->json ? "json " : "",
		    levels[req->level]);
		break;
	default:
		n = snprintf(buf, len, "%s%s%s%s", req->json ? "json " : "",
		    ctl_command_name(req->cmd), target, secs);
		break;
	}
	REQUIRE(n > 0 && (size_t)n < len);
	return (size_t)n;
}

/* What holds for every request ctl_parse() accepted. */
static void
check_accepted(const uint8_t *data, size_t size,
    const struct ctl_request *req)
{
	struct ctl_request again;
	char line[CTL_LINE_MAX + 1], err[256];
	size_t n;

	REQUIRE(strcmp(ctl_command_name(req->cmd), "?") != 0);
	REQUIRE(req->json == first_word_json(data, size));
	REQUIRE(req->has_addr || (req->cmd != CTL_ADD &&
	    req->cmd != CTL_DELETE));
	REQUIRE(!req->has_addr || req->cmd == CTL_SHOW_WHITELIST ||
	    req->cmd == CTL_ADD || req->cmd == CTL_DELETE ||
	    req->cmd == CTL_SHOW_TRIED);
	REQUIRE(req->cmd != CTL_SHOW_TRIED || req->prefix == -1);
	REQUIRE(req->has_addr || (req->prefix == -1 &&
	    zeroed(&req->addr, sizeof(req->addr))));
	REQUIRE(req->prefix >= -1 &&
	    req->prefix <= (addr_is_v4(&req->addr) ? 32 : 128));
	REQUIRE(req->seconds == 0 || (req->cmd == CTL_ADD &&
	    req->seconds >= 1 && req->seconds <= CTL_SECONDS_MAX));
	REQUIRE(req->cmd == CTL_LOG || req->level == 0);
	REQUIRE(req->cmd != CTL_LOG || req->level == LOG_LEVEL_QUIET ||
	    req->level == LOG_LEVEL_INFO || req->level == LOG_LEVEL_DEBUG);

	/* The canonical form says the same. */
	n = canonical(req, line, sizeof(line));
	err[0] = '\0';
	REQUIRE(ctl_parse(line, n, &again, err, sizeof(err)) == 0);
	REQUIRE(err[0] == '\0' && same_request(req, &again));

	/* Trailing blanks change nothing (a final CR must stay final). */
	if (size + 1 < CTL_LINE_MAX && (size == 0 || data[size - 1] != '\r')) {
		memcpy(line, data, size);
		line[size] = ' ';
		REQUIRE(ctl_parse(line, size + 1, &again, err,
		    sizeof(err)) == 0);
		REQUIRE(same_request(req, &again));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_request req, req2;
	char err[512], small[16];
	size_t i, len = size;
	bool printable = true;
	int rc;

	memset(&req, 0xa5, sizeof(req));
	err[0] = '\0';
	rc = ctl_parse((const char *)data, size, &req, err, sizeof(err));
	REQUIRE(rc == 0 || rc == -1);
	REQUIRE(memchr(err, '\0', sizeof(err)) != NULL);

	/* A short error buffer: the same verdict, the reason cut short. */
	memset(small, 'x', sizeof(small));
	small[0] = '\0';
	REQUIRE(ctl_parse((const char *)data, size, &req2, small,
	    sizeof(small)) == rc);
	REQUIRE(memchr(small, '\0', sizeof(small)) != NULL);
	REQUIRE(strncmp(small, err, strlen(small)) == 0);

	if (len > 0 && data[len - 1] == '\r')
		len--;
	for (i = 0; i < len; i++)
		if (data[i] != '\t' && (data[i] < 0x20 || data[i] > 0x7e))
			printable = false;
	if (len >= CTL_LINE_MAX || !printable)
		REQUIRE(rc == -1);

	if (rc == -1) {
		REQUIRE(err[0] != '\0');
		REQUIRE(cleared(&req) && cleared(&req2));
		return 0;
	}
	REQUIRE(err[0] == '\0' && same_request(&req, &req2));
	check_accepted(data, size, &req);
	return 0;
}
