/*
 * Live capture from a pflog interface with libpcap.
 *
 * The capture runs in immediate mode, so that a fake-MX hit reaches the
 * table within microseconds rather than after a buffer timeout, and in
 * non-blocking mode, so that the daemon's loop can poll capture_fd() and
 * call capture_dispatch() when it is readable.
 */
#ifndef MX_CAPTURE_H
#define MX_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "packet.h"
#include "pflog.h"

/* Bytes kept of each packet: pflog header, IPv6 and options, TCP. */
#define CAPTURE_SNAPLEN		256

struct capture;

/*
 * Called once per captured packet.  The pflog header and the packet info
 * are valid as far as the result says (PKT_TCP: all of them; PKT_MALFORMED:
 * possibly nothing).  ts is the packet's capture time in microseconds since
 * the epoch: wall-clock time, for logging only; decide with mxd_now().
 */
typedef void	capture_cb(void *, const struct pflog_info *,
		    const struct pkt_info *, enum pkt_result, int64_t);

/*
 * Open ifname (a pflog interface) and apply the filter expression (NULL or
 * empty: none).  On error, returns NULL with a message in err.
 */
struct capture	*capture_open_live(const char *, const char *, char *,
		    size_t);
int		 capture_fd(struct capture *);
/*
 * Hand every packet that is waiting to the callback.  Returns the number
 * of packets, 0 if none was waiting, or -1 on error (see capture_error()).
 */
int		 capture_dispatch(struct capture *, capture_cb *, void *);
const char	*capture_error(struct capture *);
/* Packets the kernel dropped because the capture buffer was full. */
int		 capture_drops(struct capture *, uint64_t *);
void		 capture_close(struct capture *);

#endif
