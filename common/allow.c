/*
 * The permanent allow list.  It is short (a site's partners, monitors,
 * devices): a match is a scan of its networks, made only for SYNs to a
 * real MX, and bounded by the list's length.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allow.h"
#include "log.h"

static bool
name_valid(const char *s)
{
	size_t len = strlen(s), label = 0;
	bool letter = false;
	const char *p;

	if (len == 0 || len > 253 || s[0] == '.' || s[0] == '-')
		return false;
	for (p = s; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return false;
		if (isalpha((unsigned char)*p))
			letter = true;
		if (++label > 63)
			return false;
	}
	return letter;
}

/*
 * One entry's text.  An address or network fills addr (masked) and bits
 * (of the 128-bit form: an IPv4 /24 is 120); a host name is only checked.
 */
enum allow_kind
allow_parse(const char *text, struct mx_addr *addr, unsigned *bits,
    char *err, size_t errlen)
{
	char buf[MX_ADDRSTRLEN + 8], *slash, *end;
	unsigned long n;
	bool v4;

	if (strlen(text) < sizeof(buf)) {
		strcpy(buf, text);
		if ((slash = strchr(buf, '/')) != NULL)
			*slash++ = '\0';
		if (addr_parse(buf, addr)) {
			v4 = addr_is_v4(addr);
			if (slash == NULL) {
				*bits = 128;
				return ALLOW_NET;
			}
			errno = 0;
			n = strtoul(slash, &end, 10);
			if (!isdigit((unsigned char)*slash) || *end != '\0' ||
			    errno != 0 || n > (v4 ? 32UL : 128UL) ||
			    n < (v4 ? ALLOW_PREFIX4_MIN : ALLOW_PREFIX6_MIN)) {
				seterr(err, errlen, "'%s': the prefix must be "
				    "from %d to %d", text, v4 ?
				    ALLOW_PREFIX4_MIN : ALLOW_PREFIX6_MIN,
				    v4 ? 32 : 128);
				return ALLOW_BAD;
			}
			*bits = v4 ? 96 + (unsigned)n : (unsigned)n;
			addr_mask(addr, *bits);
			return ALLOW_NET;
		}
	}
	if (name_valid(text))
		return ALLOW_NAME;
	seterr(err, errlen, "'%s' is not an address, ADDRESS/PREFIX or host "
	    "name", text);
	return ALLOW_BAD;
}

static bool
net_covers(const struct allow_net *n, const struct mx_addr *a)
{
	struct mx_addr m = *a;

	addr_mask(&m, n->bits);
	return addr_equal(&m, &n->addr);
}

bool
allow_match(const struct mx_allow *al, const struct mx_addr *a)
{
	size_t i;

	if (al == NULL)
		return false;
	for (i = 0; i < al->count; i++)
		if (net_covers(&al->nets[i], a))
			return true;
	return false;
}

/* An entry of exactly this network (bits of the 128-bit form). */
bool
allow_has(const struct mx_allow *al, const struct mx_addr *a, unsigned bits)
{
	size_t i;

	if (al == NULL)
		return false;
	for (i = 0; i < al->count; i++)
		if (al->nets[i].bits == bits && addr_equal(&al->nets[i].addr, a))
			return true;
	return false;
}

/* The prefix length as the address family counts it. */
unsigned
allow_prefix(const struct allow_net *n)
{
	return addr_is_v4(&n->addr) ? n->bits - 96 : n->bits;
}

static int
push_net(struct mx_allow *al, const struct mx_addr *a, unsigned bits,
    int name)
{
	struct allow_net *nets;

	if (allow_has(al, a, bits))
		return 0;
	if ((nets = reallocarray(al->nets, al->count + 1,
	    sizeof(*nets))) == NULL)
		return -1;
	al->nets = nets;
	nets[al->count].addr = *a;
	nets[al->count].bits = bits;
	nets[al->count].name = name;
	al->count++;
	return 0;
}

/* Replace name i's addresses with these. */
int
allow_set_name(struct mx_allow *al, size_t i, const struct mx_addr *addrs,
    size_t n)
{
	size_t j, k;

	for (j = k = 0; j < al->count; j++)
		if (al->nets[j].name != (int)i)
			al->nets[k++] = al->nets[j];
	al->count = k;
	al->resolved[i] = true;
	for (j = 0; j < n; j++)
		if (push_net(al, &addrs[j], 128, (int)i) == -1)
			return -1;
	return 0;
}

/*
 * The list of the configuration's entries (checked already), with the
 * addresses old had for the same names, until they are resolved again.
 */
struct mx_allow *
allow_build(char *const *entries, size_t n, const struct mx_allow *old)
{
	struct mx_allow *al;
	struct mx_addr a;
	unsigned bits;
	size_t i, j, k;
	char err[128];

	if ((al = calloc(1, sizeof(*al))) == NULL)
		return NULL;
	if (n > 0 && ((al->names = calloc(n, sizeof(*al->names))) == NULL ||
	    (al->resolved = calloc(n, sizeof(*al->resolved))) == NULL))
		goto fail;
	for (i = 0; i < n; i++) {
		switch (allow_parse(entries[i], &a, &bits, err, sizeof(err))) {
		case ALLOW_NET:
			if (push_net(al, &a, bits, -1) == -1)
				goto fail;
			break;
		case ALLOW_NAME:
			for (j = 0; j < al->nnames; j++)
				if (strcasecmp(al->names[j], entries[i]) == 0)
					break;
			if (j < al->nnames)
				break;
			if ((al->names[al->nnames] = strdup(entries[i])) ==
			    NULL)
				goto fail;
			al->nnames++;
			break;
		case ALLOW_BAD:
			break;
		}
	}
	for (j = 0; old != NULL && j < al->nnames; j++)
		for (k = 0; k < old->nnames; k++) {
			if (strcasecmp(old->names[k], al->names[j]) != 0)
				continue;
			al->resolved[j] = old->resolved[k];
			for (i = 0; i < old->count; i++)
				if (old->nets[i].name == (int)k &&
				    push_net(al, &old->nets[i].addr,
				    old->nets[i].bits, (int)j) == -1)
					goto fail;
		}
	return al;
fail:
	allow_free(al);
	return NULL;
}

void
allow_free(struct mx_allow *al)
{
	size_t i;

	if (al == NULL)
		return;
	for (i = 0; i < al->nnames; i++)
		free(al->names[i]);
	free(al->names);
	free(al->resolved);
	free(al->nets);
	free(al);
}

/*
 * Resolution: a thread resolves a copy of the names, then writes a byte
 * to wake_fd (the loop's signal pipe); the loop takes the results with
 * allow_resolve_finish().  Nothing waits for it but a stop.
 */
enum { NAME_OK, NAME_NONE, NAME_FAILED };

struct allow_resolve {
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	bool			 done;
	int			 wake_fd;
	allow_getaddrinfo_fn	*fn;
	char			**names;
	size_t			 nnames;
	int			*status;
	struct mx_addr		*addrs;		/* ALLOW_NAME_ADDRS_MAX each */
	size_t			*count;
};

/* The system's: 0, 1 (no such name), -1 (a DNS failure). */
static int
system_addrs(const char *name, struct mx_addr *out, size_t max, size_t *n)
{
	struct addrinfo hints, *res, *ai;
	struct mx_addr a;
	size_t i;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	*n = 0;
	if ((rc = getaddrinfo(name, NULL, &hints, &res)) != 0)
		return rc == EAI_NONAME
#ifdef EAI_NODATA
		    || rc == EAI_NODATA
#endif
		    ? 1 : -1;
	for (ai = res; ai != NULL && *n < max; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET)
			addr_from_v4(&a, &((struct sockaddr_in *)
			    (void *)ai->ai_addr)->sin_addr);
		else if (ai->ai_family == AF_INET6)
			addr_from_v6(&a, &((struct sockaddr_in6 *)
			    (void *)ai->ai_addr)->sin6_addr);
		else
			continue;
		for (i = 0; i < *n && !addr_equal(&out[i], &a); i++)
			;
		if (i == *n)
			out[(*n)++] = a;
	}
	freeaddrinfo(res);
	return 0;
}

static void *
resolve_main(void *arg)
{
	struct allow_resolve *r = arg;
	size_t i;
	ssize_t w;

	for (i = 0; i < r->nnames; i++) {
		r->status[i] = r->fn(r->names[i], r->addrs +
		    i * ALLOW_NAME_ADDRS_MAX, ALLOW_NAME_ADDRS_MAX,
		    &r->count[i]);
		if (r->status[i] < 0)
			r->status[i] = NAME_FAILED;
	}
	pthread_mutex_lock(&r->lock);
	r->done = true;
	pthread_mutex_unlock(&r->lock);
	if (r->wake_fd != -1)
		do {
			w = write(r->wake_fd, "a", 1);
		} while (w == -1 && errno == EINTR);
	return NULL;
}

static void
resolve_free(struct allow_resolve *r)
{
	size_t i;

	for (i = 0; i < r->nnames; i++)
		free(r->names[i]);
	free(r->names);
	free(r->status);
	free(r->addrs);
	free(r->count);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

struct allow_resolve *
allow_resolve_start(const struct mx_allow *al, int wake_fd,
    allow_getaddrinfo_fn *fn)
{
	struct allow_resolve *r;
	size_t i, n = al->nnames;

	if (n == 0 || (r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	pthread_mutex_init(&r->lock, NULL);
	r->wake_fd = wake_fd;
	r->fn = fn != NULL ? fn : system_addrs;
	if ((r->names = calloc(n, sizeof(*r->names))) == NULL ||
	    (r->status = calloc(n, sizeof(*r->status))) == NULL ||
	    (r->count = calloc(n, sizeof(*r->count))) == NULL ||
	    (r->addrs = calloc(n * ALLOW_NAME_ADDRS_MAX,
	    sizeof(*r->addrs))) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		if ((r->names[i] = strdup(al->names[i])) == NULL)
			goto fail;
		r->nnames++;
	}
	if (pthread_create(&r->thread, NULL, resolve_main, r) != 0)
		goto fail;
	return r;
fail:
	resolve_free(r);
	return NULL;
}

bool
allow_resolve_done(const struct allow_resolve *r)
{
	bool done;

	pthread_mutex_lock((pthread_mutex_t *)&r->lock);
	done = r->done;
	pthread_mutex_unlock((pthread_mutex_t *)&r->lock);
	return done;
}

/*
 * Apply a finished resolution to al, by name (al may be a newer list
 * than the one resolved).  A name that failed keeps its addresses; one
 * that does not exist has none.  Frees r.  Returns how many names failed,
 * or -1 without memory.
 */
int
allow_resolve_finish(struct allow_resolve *r, struct mx_allow *al)
{
	size_t i, j;
	int failed = 0, rc = 0;

	pthread_join(r->thread, NULL);
	for (i = 0; i < r->nnames; i++) {
		for (j = 0; j < al->nnames; j++)
			if (strcasecmp(al->names[j], r->names[i]) == 0)
				break;
		if (j == al->nnames)
			continue;
		if (r->status[i] == NAME_FAILED) {
			failed++;
			log_warnx("allow %s: the name did not resolve; its "
			    "addresses stay as they were", r->names[i]);
			continue;
		}
		if (r->status[i] == NAME_NONE)
			log_warnx("allow %s: no such name", r->names[i]);
		if (allow_set_name(al, j, r->addrs + i * ALLOW_NAME_ADDRS_MAX,
		    r->status[i] == NAME_OK ? r->count[i] : 0) == -1)
			rc = -1;
	}
	resolve_free(r);
	return rc == -1 ? -1 : failed;
}

/* Wait for the thread (at a stop) and drop its results. */
void
allow_resolve_cancel(struct allow_resolve *r)
{
	if (r == NULL)
		return;
	pthread_join(r->thread, NULL);
	resolve_free(r);
}
