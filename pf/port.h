/*
 * The pf port (OpenBSD, FreeBSD): pflog capture in, pf table out.
 */
#ifndef MX_PF_PORT_H
#define MX_PF_PORT_H

#include "daemon.h"

extern const struct mx_port pf_port;

struct resolver_config;

extern const struct resolver_config *pf_resolver_hooks;

void	pf_port_no_privsep(void);
void	pf_port_no_confinement(void);

#endif
