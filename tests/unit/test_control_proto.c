/*
 * The control protocol's request parser: every command in its forms, and
 * every malformed request refused with its reason.
 */
#include <string.h>

#include "control_proto.h"
#include "t.h"

static int
parse(const char *line, struct ctl_request *req, char *err, size_t len)
{
	err[0] = '\0';
	return ctl_parse(line, strlen(line), req, err, len);
}

static void
accepts(const char *line, enum ctl_command cmd)
{
	struct ctl_request req;
	char err[256];

	CHECK(parse(line, &req, err, sizeof(err)) == 0 && req.cmd == cmd,
	    "'%s' is %s", line, ctl_command_name(cmd));
}

static void
refuses(const char *line, const char *why)
{
	struct ctl_request req;
	char err[256];

	CHECK(parse(line, &req, err, sizeof(err)) == -1 &&
	    strstr(err, why) != NULL, "'%.40s' refused: %s (%s)", line, why,
	    err);
}

int
main(void)
{
	struct ctl_request req;
	char err[256], big[2048];
	struct mx_addr a;

	accepts("show stats", CTL_SHOW_STATS);
	accepts("  show\tstats  ", CTL_SHOW_STATS);
	accepts("show stats\r", CTL_SHOW_STATS);
	accepts("show whitelist", CTL_SHOW_WHITELIST);
	accepts("show blocked", CTL_SHOW_BLOCKED);
	accepts("json show suspects", CTL_SHOW_SUSPECTS);
	accepts("show whitelist 192.0.2.1", CTL_SHOW_WHITELIST);
	accepts("add 192.0.2.1", CTL_ADD);
	accepts("delete 2001:db8::1/128", CTL_DELETE);
	accepts("flush force", CTL_FLUSH);
	accepts("reload", CTL_RELOAD);
	accepts("log quiet", CTL_LOG);
	accepts("show allow", CTL_SHOW_ALLOW);
	accepts("json show allow", CTL_SHOW_ALLOW);

	CHECK(parse("json add 192.0.2.0/24 600", &req, err, sizeof(err)) == 0 &&
	    req.json && req.has_addr && req.prefix == 24 &&
	    req.seconds == 600 && addr_parse("192.0.2.0", &a) &&
	    addr_equal(&a, &req.addr), "json add with prefix and seconds");
	CHECK(parse("add 2001:db8::/64", &req, err, sizeof(err)) == 0 &&
	    !req.json && req.prefix == 64 && req.seconds == 0,
	    "add: IPv6 prefix, default seconds");
	CHECK(parse("show whitelist", &req, err, sizeof(err)) == 0 &&
	    !req.has_addr && req.prefix == -1, "show whitelist: no address");
	CHECK(parse("log debug", &req, err, sizeof(err)) == 0 &&
	    req.level == LOG_LEVEL_DEBUG, "log debug");
	CHECK(parse("log info", &req, err, sizeof(err)) == 0 &&
	    req.level == LOG_LEVEL_INFO, "log info");

	refuses("", "empty request");
	refuses("   ", "empty request");
	refuses("json", "empty request");
	refuses("frobnicate", "unknown command 'frobnicate'");
	refuses("SHOW stats", "unknown command");
	refuses("show", "show what?");
	refuses("show tables", "cannot show 'tables'");
	refuses("show blocked 192.0.2.1", "too many arguments");
	refuses("show suspects all", "too many arguments");
	refuses("show stats now", "too many arguments");
	refuses("show allow 192.0.2.1", "too many arguments");
	refuses("show whitelist 192.0.2.1 192.0.2.2", "too many arguments");
	refuses("show whitelist mail.example.org", "not an IPv4 or IPv6");
	refuses("add", "missing argument");
	refuses("add 192.0.2.1 60 extra", "too many arguments");
	refuses("add 192.0.2.300", "not an IPv4 or IPv6");
	refuses("add 192.0.2.1/33", "not a prefix length of an IPv4");
	refuses("add 2001:db8::1/129", "not a prefix length of an IPv6");
	refuses("add 192.0.2.1/", "not a prefix length");
	refuses("add 192.0.2.1/-1", "not a prefix length");
	refuses("add 192.0.2.1/24/8", "not a prefix length");
	refuses("add 192.0.2.1 0", "not a whole number of seconds");
	refuses("add 192.0.2.1 -5", "not a whole number of seconds");
	refuses("add 192.0.2.1 1h", "not a whole number of seconds");
	refuses("add 192.0.2.1 31622401", "not a whole number of seconds");
	refuses("add 192.0.2.1 99999999999999999999", "not a whole number");
	refuses("delete", "missing argument");
	refuses("delete 192.0.2.1 60", "too many arguments");
	refuses("delete nowhere", "not an IPv4 or IPv6");
	refuses("flush", "needs force");
	refuses("flush now", "needs force");
	refuses("flush force now", "too many arguments");
	refuses("reload now", "too many arguments");
	refuses("log", "missing argument");
	refuses("log loud", "unknown log level 'loud'");
	refuses("log debug info", "too many arguments");
	refuses("a b c d e f", "too many words");
	refuses("show stats\x01", "not printable ASCII (0x01");
	refuses("show\x7fstats", "not printable ASCII (0x7f");
	refuses("add 192.0.2.1 \xc3\xa9", "not printable ASCII (0xc3");
	CHECK(ctl_parse("show\0stats", 10, &req, err, sizeof(err)) == -1 &&
	    strstr(err, "0x00") != NULL, "a NUL byte refused (%s)", err);
	memset(big, 'a', sizeof(big));
	CHECK(ctl_parse(big, sizeof(big), &req, err, sizeof(err)) == -1 &&
	    strstr(err, "longer than") != NULL, "an overlong request refused");
	CHECK(ctl_parse("x", 1, &req, err, 8) == -1 && strlen(err) < 8,
	    "a short error buffer is not overrun");
	CHECK(parse("frob", &req, err, sizeof(err)) == -1 && !req.has_addr &&
	    req.prefix == -1 && !req.json, "a refused request leaves nothing");
	return T_DONE();
}
