/*
 * The sync event's text and the server's URL (common/sync_event.c): what
 * is written reads back the same, and everything else is refused or
 * found stale, with a reason.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "sync_event.h"
#include "t.h"

#define NOW	1700000000000LL		/* our wall clock, in ms */
#define WL	3600000LL		/* whitelist-time, in ms */

static enum sync_parse
parse(const char *text, struct sync_event *ev, char *why, size_t len)
{
	return sync_event_parse(text, strlen(text), NOW, WL, ev, why, len);
}

static void
test_round_trip(void)
{
	struct sync_event ev, back;
	char line[SYNC_EVENT_MAX + 1], why[64], key[SYNC_KEY_MAX + 1];
	int n;

	memset(&ev, 0, sizeof(ev));
	ev.op = SYNC_ADD;
	addr_parse("192.0.2.0", &ev.addr);
	ev.prefix = 24;
	ev.ms = NOW + 1000;
	snprintf(ev.gate, sizeof(ev.gate), "mx-a.example.org");
	n = sync_event_format(&ev, line, sizeof(line));
	CHECK(n > 0 && strcmp(line, "mxallowd/1 mx-a.example.org add "
	    "192.0.2.0/24 1700000001000") == 0, "an add event: %s", line);
	CHECK(parse(line, &back, why, sizeof(why)) == SYNC_PARSE_OK &&
	    back.op == SYNC_ADD && addr_equal(&back.addr, &ev.addr) &&
	    back.prefix == 24 && back.ms == ev.ms &&
	    strcmp(back.gate, ev.gate) == 0, "reads back the same");
	ev.op = SYNC_DELETE;
	addr_parse("2001:db8::", &ev.addr);
	ev.prefix = 64;
	ev.ms = NOW - 5;
	n = sync_event_format(&ev, line, sizeof(line));
	CHECK(n > 0 && strcmp(line, "mxallowd/1 mx-a.example.org del "
	    "2001:db8::/64 1699999999995") == 0, "a delete event: %s", line);
	CHECK(parse(line, &back, why, sizeof(why)) == SYNC_PARSE_OK &&
	    back.op == SYNC_DELETE && back.prefix == 64,
	    "reads back the same");
	CHECK(sync_event_key("mxallowd", &ev.addr, 64, key, sizeof(key)) > 0 &&
	    strcmp(key, "mxallowd:2001:db8::/64") == 0, "its key: %s", key);
	CHECK(sync_event_format(&ev, line, 20) == -1,
	    "a buffer too small: -1");
	snprintf(ev.gate, sizeof(ev.gate), "bad name");
	CHECK(sync_event_format(&ev, line, sizeof(line)) == -1,
	    "a bad gate name is never written");
	/* The longest event fits SYNC_EVENT_MAX. */
	memset(ev.gate, 'g', SYNC_NAME_MAX);
	ev.gate[SYNC_NAME_MAX] = '\0';
	addr_parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &ev.addr);
	ev.prefix = 128;
	ev.ms = 999999999999999LL;
	CHECK(sync_event_format(&ev, line, sizeof(line)) > 0 &&
	    strlen(line) <= SYNC_EVENT_MAX, "the longest event fits (%zu)",
	    strlen(line));
}

static void
test_refused(void)
{
	static const struct {
		const char	*text;
		const char	*why;
	} bad[] = {
		{ "", "empty" },
		{ "mxallowd/2 a add 192.0.2.1/32 1700000001000",
		  "unknown version" },
		{ "mxallowd/1 a add 192.0.2.1/32", "not five fields" },
		{ "mxallowd/1 a add 192.0.2.1/32 1700000001000 x",
		  "not five fields" },
		{ "mxallowd/1  a add 192.0.2.1/32 1700000001000",
		  "not five fields" },
		{ "mxallowd/1 a add 192.0.2.1/32 1700000001000 ",
		  "not five fields" },
		{ " a add 192.0.2.1/32 1700000001000", "empty field" },
		{ "mxallowd/1 a\tb add 192.0.2.1/32 1700000001000",
		  "control character" },
		{ "mxallowd/1 a put 192.0.2.1/32 1700000001000",
		  "unknown operation" },
		{ "mxallowd/1 a/b add 192.0.2.1/32 1700000001000",
		  "bad gate name" },
		{ "mxallowd/1 a add 192.0.2.1 1700000001000",
		  "bad address/prefix" },
		{ "mxallowd/1 a add 192.0.2.1/33 1700000001000",
		  "bad address/prefix" },
		{ "mxallowd/1 a add 192.0.2.1/024 1700000001000",
		  "bad address/prefix" },
		{ "mxallowd/1 a add 192.0.2.1/24 1700000001000",
		  "bad address/prefix" },		/* host bits */
		{ "mxallowd/1 a add 0.0.0.0/0 1700000001000",
		  "bad address/prefix" },		/* the world */
		{ "mxallowd/1 a add ::ffff:192.0.2.1/128 1700000001000",
		  "bad address/prefix" },		/* not canonical */
		{ "mxallowd/1 a add 2001:DB8::1/128 1700000001000",
		  "bad address/prefix" },
		{ "mxallowd/1 a add 192.0.2.1/32 01700000001000", "bad time" },
		{ "mxallowd/1 a add 192.0.2.1/32 -1", "bad time" },
		{ "mxallowd/1 a add 192.0.2.1/32 0", "bad time" },
		{ "mxallowd/1 a add 192.0.2.1/32 1700003630001",
		  "expiry beyond whitelist-time" },
		{ "mxallowd/1 a add 192.0.2.1/32 9999999999999",
		  "expiry beyond whitelist-time" },
		{ "mxallowd/1 a del 192.0.2.1/32 1700000030001",
		  "deletion from the future" },
	};
	struct sync_event ev;
	char why[64], big[1024];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		CHECK(parse(bad[i].text, &ev, why, sizeof(why)) ==
		    SYNC_PARSE_BAD && strcmp(why, bad[i].why) == 0,
		    "refused, %s: \"%s\" (%s)", bad[i].why, bad[i].text, why);
	}
	memset(big, 'a', sizeof(big));
	CHECK(sync_event_parse(big, sizeof(big), NOW, WL, &ev, why,
	    sizeof(why)) == SYNC_PARSE_BAD && strcmp(why, "too long") == 0,
	    "1024 bytes: too long");
	CHECK(sync_event_parse("mxallowd/1 a add 192.0.2.1/32 1700000001000",
	    20, NOW, WL, &ev, why, sizeof(why)) == SYNC_PARSE_BAD,
	    "only the length given is read");
	CHECK(sync_event_parse("mxallowd/1 a add 192.0.2.1/32 1\0" "700", 32,
	    NOW, WL, &ev, why, sizeof(why)) == SYNC_PARSE_BAD &&
	    strcmp(why, "control character") == 0, "a NUL byte: refused");
	CHECK(parse("mxallowd/1 a add 192.0.2.1/32 1700003630000", &ev, why,
	    sizeof(why)) == SYNC_PARSE_OK,
	    "whitelist-time and the clocks' difference ahead: taken");
	CHECK(parse("mxallowd/1 a add 192.0.2.1/32 1700000000000", &ev, why,
	    sizeof(why)) == SYNC_PARSE_STALE, "expired now: stale");
	CHECK(parse("mxallowd/1 a del 192.0.2.1/32 1696369999999", &ev, why,
	    sizeof(why)) == SYNC_PARSE_STALE,
	    "a deletion older than any live entry: stale");
}

static void
test_url(void)
{
	struct sync_url u;
	char err[128];

	CHECK(sync_url_parse("redis://192.0.2.7", &u, err, sizeof(err)) ==
	    0 && !u.is_unix && strcmp(u.host, "192.0.2.7") == 0 &&
	    u.port == 6379 && u.db == 0 && u.user[0] == '\0' &&
	    u.password[0] == '\0', "redis://HOST: port 6379, db 0");
	CHECK(sync_url_parse("redis://sync:pa:ss@w0rd@redis.example.org:6380/3",
	    &u, err, sizeof(err)) == 0 && strcmp(u.user, "sync") == 0 &&
	    strcmp(u.password, "pa:ss@w0rd") == 0 &&
	    strcmp(u.host, "redis.example.org") == 0 && u.port == 6380 &&
	    u.db == 3, "user, password with : and @, port, db");
	CHECK(sync_url_parse("redis://:secret@[2001:db8::7]:7000", &u, err,
	    sizeof(err)) == 0 && u.user[0] == '\0' &&
	    strcmp(u.password, "secret") == 0 &&
	    strcmp(u.host, "2001:db8::7") == 0 && u.port == 7000,
	    "a password alone, an IPv6 host in brackets");
	CHECK(sync_url_parse("unix:///run/redis/redis.sock", &u, err,
	    sizeof(err)) == 0 && u.is_unix &&
	    strcmp(u.path, "/run/redis/redis.sock") == 0, "unix:///PATH");
	CHECK(sync_url_parse("http://192.0.2.7", &u, err, sizeof(err)) ==
	    -1 && strstr(err, "neither") != NULL, "another scheme: %s", err);
	CHECK(sync_url_parse("redis://192.0.2.7:0", &u, err, sizeof(err)) ==
	    -1 && sync_url_parse("redis://192.0.2.7:65536", &u, err,
	    sizeof(err)) == -1 && sync_url_parse("redis://192.0.2.7:",
	    &u, err, sizeof(err)) == -1, "ports 0, 65536 and none: %s", err);
	CHECK(sync_url_parse("redis://192.0.2.7/x", &u, err, sizeof(err)) ==
	    -1 && sync_url_parse("redis://192.0.2.7/65536", &u, err,
	    sizeof(err)) == -1, "a database that is no number: %s", err);
	CHECK(sync_url_parse("redis://user@192.0.2.7", &u, err, sizeof(err)) ==
	    -1, "a user without a password: %s", err);
	CHECK(sync_url_parse("redis://", &u, err, sizeof(err)) == -1 &&
	    sync_url_parse("redis://-x", &u, err, sizeof(err)) == -1 &&
	    sync_url_parse("redis://[192.0.2.7]", &u, err, sizeof(err)) ==
	    -1 && sync_url_parse("redis://2001:db8::1", &u, err,
	    sizeof(err)) == -1, "bad hosts: %s", err);
	CHECK(sync_url_parse("redis://a b", &u, err, sizeof(err)) == -1,
	    "a blank: %s", err);
	CHECK(sync_url_parse("unix://relative", &u, err, sizeof(err)) == -1 &&
	    sync_url_parse("unix:///", &u, err, sizeof(err)) == -1,
	    "unix:// without an absolute path: %s", err);
	CHECK(sync_url_parse("unix:///aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    &u, err, sizeof(err)) == -1, "a socket path too long: %s", err);
}

static void
test_names(void)
{
	char long_name[SYNC_NAME_MAX + 2];

	CHECK(sync_name_valid("mx1.example.org") && sync_name_valid("a") &&
	    sync_name_valid("mx_a:2"), "host names, _ and : are names");
	CHECK(!sync_name_valid("") && !sync_name_valid("a b") &&
	    !sync_name_valid("a*") && !sync_name_valid("a\n"),
	    "empty, blank, glob, newline: no names");
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[SYNC_NAME_MAX + 1] = '\0';
	CHECK(!sync_name_valid(long_name), "%d characters: too long",
	    SYNC_NAME_MAX + 1);
	long_name[SYNC_NAME_MAX] = '\0';
	CHECK(sync_name_valid(long_name), "%d: fine", SYNC_NAME_MAX);
}

/* The options, through the configuration's own parser. */
static void
test_options(void)
{
	struct mx_config cfg;
	char err[256];
	char *ok[] = { "mxallowd", "--sync", "unix:///run/r.sock",
	    "--sync-channel", "mx:wl", "--sync-name", "gate-a" };
	char *bad_url[] = { "mxallowd", "--sync", "redis://x:99999" };
	char *bad_chan[] = { "mxallowd", "--sync-channel", "a*" };

	config_init(&cfg);
	CHECK(config_parse_args(&cfg, 7, ok, MX_PORT_LINUX, err,
	    sizeof(err)) == CONFIG_ARGS_OK && strcmp(cfg.sync_url,
	    "unix:///run/r.sock") == 0 && strcmp(cfg.sync_channel,
	    "mx:wl") == 0 && strcmp(cfg.sync_name, "gate-a") == 0,
	    "sync, sync-channel and sync-name are taken");
	config_free(&cfg);
	config_init(&cfg);
	CHECK(config_parse_args(&cfg, 3, bad_url, MX_PORT_LINUX, err,
	    sizeof(err)) == CONFIG_ARGS_ERROR && strstr(err, "--sync: port") !=
	    NULL, "a bad URL is refused: %s", err);
	config_free(&cfg);
	config_init(&cfg);
	CHECK(config_parse_args(&cfg, 3, bad_chan, MX_PORT_LINUX, err,
	    sizeof(err)) == CONFIG_ARGS_ERROR && strstr(err, "sync-channel") !=
	    NULL, "a bad channel is refused: %s", err);
	config_free(&cfg);
}

int
main(void)
{
	test_round_trip();
	test_refused();
	test_url();
	test_names();
	test_options();
	return T_DONE();
}
