/*
 * Compiled (never run) against the systems' own headers by
 * tests/scripts/pfcompat.sh: the real <net/pfvar.h> must have the layout
 * that the compatibility headers reproduce.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <net/if.h>
#include <netinet/in.h>
#include <net/pfvar.h>

#include "layout.h"

int	layout_checked;
