#ifndef MX_NFT_H
#define MX_NFT_H

#include "daemon.h"

extern const struct mx_port nft_port;

int	nft_remove_table(struct mxd *);

#endif
