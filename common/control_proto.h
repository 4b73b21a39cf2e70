/*
 * The control socket's protocol, as the daemon reads it.  A client sends
 * one request line; the daemon answers with zero or more data lines, at
 * most one "error: REASON" line, and the end marker line "end", then
 * closes the connection.  A request may start with the word "json": the
 * data lines are then JSON objects, one per line.
 *
 *	show stats
 *	show whitelist [ADDRESS[/PREFIX]]
 *	show blocked
 *	show suspects
 *	show allow
 *	show tried [ADDRESS]
 *	add ADDRESS[/PREFIX] [SECONDS]
 *	delete ADDRESS[/PREFIX]
 *	flush force
 *	reload
 *	log debug|info|quiet
 *
 * Parsing knows nothing of the daemon: control_exec.c carries requests
 * out, control.c moves the bytes.
 */
#ifndef MX_CONTROL_PROTO_H
#define MX_CONTROL_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "log.h"

/* The longest request line, its newline included. */
#define CTL_LINE_MAX	1024
#define CTL_END		"end"
#define CTL_ERROR	"error: "
/* The longest SECONDS of an add: whitelist-time's own limit. */
#define CTL_SECONDS_MAX	(366LL * 24 * 3600)

enum ctl_command {
	CTL_SHOW_STATS,
	CTL_SHOW_WHITELIST,
	CTL_ADD,
	CTL_DELETE,
	CTL_FLUSH,
	CTL_RELOAD,
	CTL_LOG,
	CTL_SHOW_BLOCKED,
	CTL_SHOW_SUSPECTS,
	CTL_SHOW_ALLOW,
	CTL_SHOW_TRIED
};

struct ctl_request {
	enum ctl_command cmd;
	bool		 json;
	bool		 has_addr;	/* show whitelist, add, delete */
	struct mx_addr	 addr;
	int		 prefix;	/* in the address's family; -1: none */
	long long	 seconds;	/* add; 0: whitelist-time */
	enum log_level	 level;		/* log */
};

int	ctl_parse(const char *, size_t, struct ctl_request *, char *, size_t);
const char *ctl_command_name(enum ctl_command);

#endif
