/*
 * Unit tests for smtp.c, the answering fake MX's command parser, and
 * tried.c, its record of who tried.
 */
#include <string.h>

#include "smtp.h"
#include "t.h"
#include "tried.h"

static enum smtp_verb
P(const char *line, struct smtp_cmd *cmd)
{
	return smtp_parse(line, strlen(line), cmd);
}

static void
test_parse(void)
{
	struct smtp_cmd c;
	char long_line[SMTP_LINE_MAX + 10];

	CHECK(P("HELO relay.example.test", &c) == SMTP_HELO &&
	    strcmp(c.arg, "relay.example.test") == 0, "HELO and its domain");
	CHECK(P("ehlo [192.0.2.7]", &c) == SMTP_EHLO &&
	    strcmp(c.arg, "[192.0.2.7]") == 0,
	    "ehlo in lower case, an address literal");
	CHECK(P("EHLO [IPv6:2001:db8::7]  ", &c) == SMTP_EHLO &&
	    strcmp(c.arg, "[IPv6:2001:db8::7]") == 0,
	    "EHLO with an IPv6 literal; trailing blanks dropped");
	CHECK(P("HELO", &c) == SMTP_BAD && c.arg[0] == '\0',
	    "HELO without a domain: bad");
	CHECK(P("HELO two words", &c) == SMTP_BAD, "HELO with two words: bad");
	CHECK(P("HELO bad\"name", &c) == SMTP_BAD,
	    "HELO with a quote: bad (logs and JSON stay clean)");
	CHECK(P("HELOX a", &c) == SMTP_UNKNOWN, "HELOX: unknown");
	CHECK(P("MAILFROM:<a@b>", &c) == SMTP_UNKNOWN &&
	    P("MAIL TO:<a@b>", &c) == SMTP_BAD, "MAIL needs ' FROM:'");
	CHECK(P("", &c) == SMTP_BAD && P(" HELO a", &c) == SMTP_BAD,
	    "an empty line, a leading blank: bad");
	CHECK(P("MAIL FROM:<sender@example.test>", &c) == SMTP_MAIL &&
	    strcmp(c.arg, "sender@example.test") == 0, "MAIL FROM");
	CHECK(P("MAIL FROM:<>", &c) == SMTP_MAIL && c.arg[0] == '\0',
	    "MAIL FROM:<>, the null path");
	CHECK(P("mail from: <a@b.example> SIZE=10 BODY=8BITMIME", &c) ==
	    SMTP_MAIL && strcmp(c.arg, "a@b.example") == 0,
	    "MAIL FROM: a blank after the colon, parameters ignored");
	CHECK(P("MAIL FROM:a@b.example", &c) == SMTP_BAD,
	    "MAIL FROM without angle brackets: bad");
	CHECK(P("MAIL FROM:<a b@example>", &c) == SMTP_BAD,
	    "MAIL FROM with a blank in the path: bad");
	CHECK(P("MAIL FROM:<\"q\"@example>", &c) == SMTP_BAD,
	    "a quoted local part: bad");
	CHECK(P("MAIL FROM:<a@b>junk", &c) == SMTP_BAD,
	    "junk right after the path: bad");
	CHECK(P("RCPT TO:<a@example.org>", &c) == SMTP_RCPT &&
	    strcmp(c.arg, "a@example.org") == 0, "RCPT TO");
	CHECK(P("RCPT TO:<>", &c) == SMTP_BAD, "RCPT TO:<>: bad");
	CHECK(P("RCPT TO:<a@example.org> NOTIFY=NEVER", &c) == SMTP_RCPT,
	    "RCPT TO with a parameter");
	CHECK(P("DATA", &c) == SMTP_DATA && P("data", &c) == SMTP_DATA,
	    "DATA in either case");
	CHECK(P("DATA now", &c) == SMTP_BAD, "DATA with an argument: bad");
	CHECK(P("RSET", &c) == SMTP_RSET && P("QUIT", &c) == SMTP_QUIT &&
	    P("NOOP", &c) == SMTP_NOOP && P("NOOP x y", &c) == SMTP_NOOP,
	    "RSET, QUIT, NOOP (with or without a string)");
	CHECK(P("VRFY root", &c) == SMTP_UNKNOWN &&
	    P("STARTTLS", &c) == SMTP_UNKNOWN, "VRFY, STARTTLS: unknown");
	CHECK(smtp_parse("HELO a\0b", 8, &c) == SMTP_BAD,
	    "a NUL byte: bad");
	CHECK(P("HELO caf\303\251.example", &c) == SMTP_BAD,
	    "an 8-bit byte: bad");
	CHECK(P("MAIL FROM:<a@b>\tSIZE=1", &c) == SMTP_BAD,
	    "a tab: bad");
	memset(long_line, 'a', sizeof(long_line));
	memcpy(long_line, "HELO ", 5);
	CHECK(smtp_parse(long_line, SMTP_LINE_MAX - 2, &c) == SMTP_HELO &&
	    strlen(c.arg) == SMTP_LINE_MAX - 7,
	    "the longest line SMTP allows (510 bytes and CRLF)");
	CHECK(smtp_parse(long_line, SMTP_LINE_MAX - 1, &c) == SMTP_BAD &&
	    c.arg[0] == '\0', "one byte more: bad");
	CHECK(strcmp(smtp_verb_name(SMTP_RCPT), "RCPT") == 0 &&
	    strcmp(smtp_verb_name((enum smtp_verb)99), "bad") == 0,
	    "verb names");
}

struct visit {
	unsigned	n;
	unsigned	first_answer;
};

static void
count(void *arg, const struct tried_entry *e)
{
	struct visit *v = arg;

	if (v->n++ == 0)
		v->first_answer = e->answer;
}

static void
test_tried(void)
{
	struct tried *t = tried_create(3);
	struct mx_addr a, b;
	struct tried_entry *e;
	struct visit v;
	char small[4];

	addr_parse("198.51.100.1", &a);
	addr_parse("2001:db8::1", &b);
	CHECK(t != NULL && tried_create(0) == NULL && tried_count(t) == 0,
	    "tried: created empty; size 0 refused");
	tried_add(t, &a, 100, 421);
	e = tried_add(t, &b, 101, 450);
	tried_copy(e->helo, sizeof(e->helo), "relay.example");
	tried_add(t, &a, 102, 450);
	memset(&v, 0, sizeof(v));
	CHECK(tried_foreach(t, NULL, count, &v) == 3 && v.first_answer == 450,
	    "tried: every record, newest first");
	memset(&v, 0, sizeof(v));
	CHECK(tried_foreach(t, &a, count, &v) == 2, "tried: one address's");
	CHECK(tried_find(t, &a)->when == 102 &&
	    strcmp(tried_find(t, &b)->helo, "relay.example") == 0,
	    "tried_find: the newest record of an address");
	tried_set_name(t, &a, "mail.example.net");
	CHECK(strcmp(tried_find(t, &a)->name, "mail.example.net") == 0,
	    "tried_set_name: the name goes to the address's records");
	tried_add(t, &b, 103, 421);
	tried_add(t, &b, 104, 421);
	tried_add(t, &b, 105, 421);
	memset(&v, 0, sizeof(v));
	CHECK(tried_count(t) == 3 && tried_foreach(t, &a, count, &v) == 0,
	    "tried: a full ring replaces the oldest");
	tried_copy(small, sizeof(small), "abcdef");
	CHECK(strcmp(small, "abc") == 0, "tried_copy truncates");
	tried_copy(small, sizeof(small), NULL);
	CHECK(small[0] == '\0', "tried_copy of NULL: empty");
	tried_destroy(t);
}

int
main(void)
{
	test_parse();
	test_tried();
	return T_DONE();
}
