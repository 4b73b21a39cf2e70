#ifndef MX_NFQ_H
#define MX_NFQ_H

#include "daemon.h"

extern const struct mx_port nfq_port;

#endif
