/*
 * optdump: print the option table (mx_options[] in common/config.c), one
 * option a line, for tests/scripts/options.sh, which holds the manual
 * pages, the sample configuration and "mxallowd -h" against it.
 *
 * Six fields separated by tabs, "-" where there is nothing:
 *
 *	name  short  argument  default  ports  where
 *
 * ports is "all", "linux" or "pf"; where is "cli" for an option that only
 * the command line takes and "conf" for one that is also a config key.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"

static const char *
field(const char *s)
{
	return s != NULL && *s != '\0' ? s : "-";
}

static const char *
ports(unsigned p)
{
	switch (p & MX_PORT_ALL) {
	case MX_PORT_ALL:
		return "all";
	case MX_PORT_LINUX:
		return "linux";
	case MX_PORT_PF:
		return "pf";
	}
	return "none";
}

int
main(void)
{
	size_t i;

	for (i = 0; i < OPT_COUNT; i++) {
		const struct mx_option *o = &mx_options[i];
		char shortname[2] = { (char)o->short_name, '\0' };

		/* A tab inside a field would shift the others. */
		if (strchr(field(o->arg_name), '\t') != NULL ||
		    strchr(field(o->default_value), '\t') != NULL) {
			fprintf(stderr, "optdump: --%s: tab in a field\n",
			    o->name);
			return 1;
		}
		printf("%s\t%s\t%s\t%s\t%s\t%s\n", o->name, field(shortname),
		    field(o->arg_name), field(o->default_value),
		    ports(o->ports), o->command_line_only ? "cli" : "conf");
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
