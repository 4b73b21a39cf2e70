/*
 * The answering fake MX (fake-answer 421 or 450): mxallowd itself listens
 * on port 25 of every fake MX address.  A peer that completes the TCP
 * handshake has proved its source address, unlike a SYN, which anybody
 * can forge: it is whitelisted (hooks.peer, then hooks.flush, which puts
 * the entry in the firewall), and only then does anything reach it, so
 * it can never reach the real MX before its entry does.  Then:
 *
 *   421: "421 4.3.2 NAME Service not available, try the next MX", close.
 *   450: "220 NAME ESMTP", HELO/EHLO, MAIL FROM, RCPT TO answered
 *	"450 4.7.1 Try the next MX", QUIT; never DATA.  The HELO name, the
 *	sender and the recipients are recorded.
 *
 * Every answered connection ends in hooks.done with its record (tried.h).
 * Non-blocking throughout, served from the daemon's poll loop: a peer that
 * sends nothing, or a byte at a time, costs a slot until its deadline and
 * never delays a verdict.  Bounds: connections at once in total and per
 * source (beyond them, 421 at once, counted as refused), each
 * connection's time (a 421 at the deadline, counted), the line length
 * (SMTP_LINE_MAX; a longer line ends the connection, counted), commands
 * and errors per connection.  SYN floods are the kernel's (SYN cookies).
 */
#ifndef MX_FAKEMX_H
#define MX_FAKEMX_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "config.h"
#include "stats.h"
#include "tried.h"

struct fakemx_limits {
	size_t		connections;	/* held at once, in total */
	size_t		per_source;	/* held at once, per source address */
	int64_t		timeout_ms;	/* a connection's whole life */
};

struct fakemx_hooks {
	/* A peer completed the handshake: whitelist it (may be queued). */
	void	(*peer)(void *, const struct mx_addr *);
	/* The peers of one accept batch are in: push them to the firewall. */
	void	(*flush)(void *);
	/* A connection was answered and is over: its record. */
	void	(*done)(void *, const struct tried_entry *);
	void	*arg;
};

struct fakemx;

/*
 * Listen on port (25; the tests use others) of every address of fake,
 * before privileges are dropped.  name is the host name in the answers.
 * NULL with err set if any address cannot be bound.
 */
struct fakemx	*fakemx_open(const struct mx_addrlist *, uint16_t,
		    enum fake_answer, const struct fakemx_limits *,
		    const char *, const struct fakemx_hooks *,
		    struct mx_stats *, char *, size_t);
/* Close everything, answering nobody (a process that does not serve). */
void		 fakemx_close(struct fakemx *);
/* The listening sockets, for a port that confines its descriptors. */
size_t		 fakemx_listeners(const struct fakemx *, int *, size_t);
/* Most descriptors it holds at once beyond its listeners. */
size_t		 fakemx_fds_max(const struct fakemx *);
/* Most pollfd entries fakemx_pollfds() fills. */
size_t		 fakemx_nfds_max(const struct fakemx *);
size_t		 fakemx_pollfds(struct fakemx *, struct pollfd *, size_t);
/* Act on what poll(2) found in fakemx_pollfds()'s entries; deadlines. */
void		 fakemx_serve(struct fakemx *, const struct pollfd *, size_t);
/* poll(2)'s timeout given the loop's own (-1: none), in ms. */
int		 fakemx_timeout(const struct fakemx *, int);
/* An rDNS name for a peer: into the records of its open connections. */
void		 fakemx_set_name(struct fakemx *, const struct mx_addr *,
		    const char *);
size_t		 fakemx_active(const struct fakemx *);
/* The answer lines, with the name in them, for the tests and the docs. */
#define FAKEMX_421	"421 4.3.2 %s Service not available, try the next MX"
#define FAKEMX_450	"450 4.7.1 Try the next MX"

#endif
