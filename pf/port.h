/*
 * The pf port (OpenBSD, FreeBSD): pflog capture in, pf table out.
 */
#ifndef MX_PF_PORT_H
#define MX_PF_PORT_H

#include "daemon.h"

extern const struct mx_port pf_port;

void	pf_port_no_privsep(void);

#endif
