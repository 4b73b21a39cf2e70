/*
 * Address lists as getaddrinfo(3) returns them, made up by the tests
 * that substitute the resolver's DNS calls (resolver_config's addrs_of
 * and free_addrs): test_resolver, test_resolver_remote, test_pfprocs.
 */
#ifndef MX_TEST_FAKEAI_H
#define MX_TEST_FAKEAI_H

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <netdb.h>
#include <stdlib.h>

/* One address, IPv4 or IPv6 by family, in front of next. */
static inline struct addrinfo *
fake_ai(int family, const char *text, struct addrinfo *next)
{
	struct addrinfo *ai = calloc(1, sizeof(*ai));
	struct sockaddr_storage *ss = calloc(1, sizeof(*ss));

	if (ai == NULL || ss == NULL)
		abort();
	ai->ai_family = family;
	ai->ai_addr = (struct sockaddr *)ss;
	ai->ai_addrlen = family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
	ai->ai_next = next;
	ss->ss_family = (sa_family_t)family;
	if (family == AF_INET)
		inet_pton(AF_INET, text,
		    &((struct sockaddr_in *)ss)->sin_addr);
	else
		inet_pton(AF_INET6, text,
		    &((struct sockaddr_in6 *)ss)->sin6_addr);
	return ai;
}

/* freeaddrinfo() for what fake_ai() made. */
static inline void
fake_free(struct addrinfo *ai)
{
	struct addrinfo *next;

	for (; ai != NULL; ai = next) {
		next = ai->ai_next;
		free(ai->ai_addr);
		free(ai);
	}
}

#endif
