/*
 * The warnings a test provokes: with log_init(name, true, ...) they go to
 * the standard error, which logcap_start() sends to a temporary file
 * until logcap_stop() puts it back and returns what was written.
 */
#ifndef MX_LOGCAP_H
#define MX_LOGCAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct logcap {
	FILE	*file;
	int	 saved;		/* the real standard error */
	char	 text[16384];
};

static inline void
logcap_start(struct logcap *c)
{
	fflush(stderr);
	c->text[0] = '\0';
	if ((c->file = tmpfile()) == NULL ||
	    (c->saved = dup(STDERR_FILENO)) == -1 ||
	    dup2(fileno(c->file), STDERR_FILENO) == -1) {
		perror("logcap");
		exit(2);
	}
}

static inline const char *
logcap_stop(struct logcap *c)
{
	size_t n;

	fflush(stderr);
	if (dup2(c->saved, STDERR_FILENO) == -1) {
		perror("logcap");
		exit(2);
	}
	close(c->saved);
	rewind(c->file);
	n = fread(c->text, 1, sizeof(c->text) - 1, c->file);
	c->text[n] = '\0';
	fclose(c->file);
	/* LOGCAP_SHOW=1 passes it on, to see why a check failed. */
	if (getenv("LOGCAP_SHOW") != NULL)
		fprintf(stderr, "%s", c->text);
	return c->text;
}

/* How many times needle occurs in text. */
static inline size_t
logcap_count(const char *text, const char *needle)
{
	size_t n = 0;

	while ((text = strstr(text, needle)) != NULL) {
		n++;
		text += strlen(needle);
	}
	return n;
}

#endif
