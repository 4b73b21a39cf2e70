/*
 * Who tried (tried.h): a ring of the last records.  Searching it is a
 * scan, at most TRIED_MAX records: done for a control request, and for an
 * rDNS answer about a peer the fake MX answered, never per packet.
 */
#include <stdlib.h>
#include <string.h>

#include "tried.h"

struct tried {
	struct tried_entry	*ring;
	size_t			 size;
	size_t			 next;	/* where the next record goes */
	size_t			 count;
};

struct tried *
tried_create(size_t size)
{
	struct tried *t;

	if (size == 0 || (t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if ((t->ring = calloc(size, sizeof(*t->ring))) == NULL) {
		free(t);
		return NULL;
	}
	t->size = size;
	return t;
}

void
tried_destroy(struct tried *t)
{
	if (t == NULL)
		return;
	free(t->ring);
	free(t);
}

void
tried_copy(char *dst, size_t n, const char *src)
{
	size_t len = src == NULL ? 0 : strlen(src);

	if (len >= n)
		len = n - 1;
	if (len > 0)
		memcpy(dst, src, len);
	dst[len] = '\0';
}

struct tried_entry *
tried_add(struct tried *t, const struct mx_addr *addr, int64_t when,
    unsigned answer)
{
	struct tried_entry *e;

	if (t == NULL)
		return NULL;
	e = &t->ring[t->next];
	memset(e, 0, sizeof(*e));
	e->addr = *addr;
	e->when = when;
	e->answer = answer;
	t->next = (t->next + 1) % t->size;
	if (t->count < t->size)
		t->count++;
	return e;
}

/* The i-th newest record (0: the newest). */
static struct tried_entry *
nth(const struct tried *t, size_t i)
{
	return &t->ring[(t->next + t->size - 1 - i) % t->size];
}

void
tried_set_name(struct tried *t, const struct mx_addr *addr,
    const char *name)
{
	struct tried_entry *e;
	size_t i;

	if (t == NULL || name == NULL || *name == '\0')
		return;
	for (i = 0; i < t->count; i++) {
		e = nth(t, i);
		if (!addr_equal(&e->addr, addr))
			continue;
		if (e->name[0] != '\0')
			return;
		tried_copy(e->name, sizeof(e->name), name);
	}
}

const struct tried_entry *
tried_find(const struct tried *t, const struct mx_addr *addr)
{
	size_t i;

	if (t == NULL)
		return NULL;
	for (i = 0; i < t->count; i++)
		if (addr_equal(&nth(t, i)->addr, addr))
			return nth(t, i);
	return NULL;
}

size_t
tried_foreach(const struct tried *t, const struct mx_addr *addr,
    tried_visit_cb *cb, void *arg)
{
	size_t i, n = 0;

	if (t == NULL)
		return 0;
	for (i = 0; i < t->count; i++) {
		if (addr != NULL && !addr_equal(&nth(t, i)->addr, addr))
			continue;
		cb(arg, nth(t, i));
		n++;
	}
	return n;
}

size_t
tried_count(const struct tried *t)
{
	return t == NULL ? 0 : t->count;
}
