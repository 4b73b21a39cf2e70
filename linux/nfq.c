/*
 * The Linux port: the firewall queues each new connection to port 25 to
 * NFQUEUE, and this file answers every queued packet with a verdict.
 *
 * One netlink socket serves the queue for IPv4 and IPv6 alike.  The kernel
 * copies only the first COPY_RANGE bytes of each packet (enough for IPv6
 * with extension headers and TCP).  Packets are read with recvmmsg() in
 * batches; consecutive packets with the same verdict are answered with one
 * NFQNL_MSG_VERDICT_BATCH message, and all verdicts for a batch leave in
 * one sendto().  The packets of a batch are parsed first and their
 * senders' whitelist entries prefetched together (wl_prefetch()), then
 * decided in order: the cache misses of a batch overlap.
 *
 * Losing the daemon must not lose mail: the queue is configured fail-open
 * (when it is full the kernel accepts instead of dropping) and the firewall
 * rule is expected to carry --queue-bypass (with no process bound, packets
 * are accepted).  When the socket buffer overflows, the kernel reports
 * ENOBUFS and, with fail-open, accepts the packets it could not deliver:
 * that is counted and survived, never fatal.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "daemon.h"
#include "log.h"
#include "nfq.h"
#include "peercred.h"
#include "privdrop.h"

#define COPY_RANGE	128
#define QUEUE_MAXLEN	65536
#define RCVBUF_BYTES	(16 * 1024 * 1024)
#define RECV_BATCH	64
#define RECV_SLOT	8192
#define RECV_ROUNDS	16	/* batches per wake-up, so signals get in */
#define SEND_BYTES	(RECV_BATCH * 4 * 64)
#define PENDING_MAX	(RECV_BATCH * 2)	/* parsed, not yet decided */

/* A queued packet, parsed, waiting for its decision. */
struct pending {
	uint32_t		 id;
	enum pkt_result		 res;
	struct pkt_info		 pkt;
};

struct queue {
	struct mnl_socket	*nl;
	uint32_t		 queue_num;
	uint32_t		 seq;
	/* The verdict run being collected: same verdict, rising ids. */
	uint32_t		 run_last_id;
	int			 run_verdict;
	unsigned		 run_len;
	char			 sendbuf[SEND_BYTES];
	size_t			 sendlen;
	struct mmsghdr		 msgs[RECV_BATCH];
	struct iovec		 iov[RECV_BATCH];
	struct sockaddr_nl	 from[RECV_BATCH];
	char			*recvbuf;
	struct pending		 pending[PENDING_MAX];
	struct mx_addr		 keys[PENDING_MAX];
	size_t			 npending;
	struct log_ratelimit	 warn_overflow;
	struct log_ratelimit	 warn_error;
	struct mx_stats		*stats;
};

static struct queue queue_state;

static void
send_pending(struct queue *q)
{
	if (q->sendlen == 0)
		return;
	if (mnl_socket_sendto(q->nl, q->sendbuf, q->sendlen) == -1) {
		q->stats->port_errors++;
		log_warn_limited(&q->warn_error, mxd_now(),
		    "NFQUEUE verdicts: %s", strerror(errno));
	}
	q->sendlen = 0;
}

/* Turn the collected run into one verdict message. */
static void
close_run(struct queue *q)
{
	struct nlmsghdr *nlh;

	if (q->run_len == 0)
		return;
	if (q->sendlen + 256 > sizeof(q->sendbuf))
		send_pending(q);
	nlh = nfq_nlmsg_put(q->sendbuf + q->sendlen, q->run_len > 1 ?
	    NFQNL_MSG_VERDICT_BATCH : NFQNL_MSG_VERDICT, q->queue_num);
	nfq_nlmsg_verdict_put(nlh, (int)q->run_last_id, q->run_verdict);
	q->sendlen += NLMSG_ALIGN(nlh->nlmsg_len);
	q->run_len = 0;
}

/*
 * A batch verdict covers every queued packet up to its id, so a run may
 * only grow while the verdict stays the same.
 */
static void
add_verdict(struct queue *q, uint32_t id, int verdict)
{
	if (q->run_len > 0 && q->run_verdict != verdict)
		close_run(q);
	q->run_verdict = verdict;
	q->run_last_id = id;
	q->run_len++;
}

static int
verdict_for(struct mxd *d, const struct pending *p, int64_t now)
{
	if (!mxd_decidable(d, p->res))
		return NF_ACCEPT;
	return mxd_decide(d, &p->pkt, now) == MX_BLOCK ? NF_DROP : NF_ACCEPT;
}

/*
 * Decide the parsed packets, in the order they came: their senders'
 * entries are fetched from memory together first.
 */
static void
decide_pending(struct mxd *d, struct queue *q, int64_t now)
{
	size_t i, nkeys = 0;

	for (i = 0; i < q->npending; i++)
		if (q->pending[i].res == PKT_TCP)
			policy_key(&d->policy, &q->pending[i].pkt.src,
			    &q->keys[nkeys++]);
	wl_prefetch(d->wl, q->keys, nkeys);
	for (i = 0; i < q->npending; i++)
		add_verdict(q, q->pending[i].id,
		    verdict_for(d, &q->pending[i], now));
	q->npending = 0;
}

/* Decide what is parsed and send every verdict collected. */
static void
flush_verdicts(struct mxd *d, struct queue *q, int64_t now)
{
	decide_pending(d, q, now);
	close_run(q);
	send_pending(q);
}

/*
 * The two attributes a verdict needs: the packet header (its id) and the
 * payload.  A walk over the attributes rather than nfq_nlmsg_parse(),
 * which validates every attribute of the message through a callback:
 * mnl_attr_for_each() keeps each attribute inside the message, and the
 * two used are checked here (the general parser took about a fifth of
 * the daemon's user time under a flood).  Returns -1 without a usable
 * header.
 */
static int
packet_attrs(const struct nlmsghdr *nlh, const struct nlattr **hdr,
    const struct nlattr **payload)
{
	const struct nlattr *attr;

	*hdr = *payload = NULL;
	if (nlh->nlmsg_len < NLMSG_SPACE(sizeof(struct nfgenmsg)))
		return -1;
	mnl_attr_for_each(attr, nlh, sizeof(struct nfgenmsg)) {
		switch (mnl_attr_get_type(attr)) {
		case NFQA_PACKET_HDR:
			*hdr = attr;
			break;
		case NFQA_PAYLOAD:
			*payload = attr;
			break;
		}
	}
	if (*hdr == NULL || mnl_attr_get_payload_len(*hdr) <
	    sizeof(struct nfqnl_msg_packet_hdr))
		return -1;
	return 0;
}

static void
handle_packet(struct mxd *d, struct queue *q, const struct nlmsghdr *nlh,
    int64_t now)
{
	const struct nlattr *hdr, *payload;
	struct nfqnl_msg_packet_hdr ph;
	struct pending *p;

	if (packet_attrs(nlh, &hdr, &payload) == -1) {
		/* Without an id there is nothing to answer. */
		d->stats.parse_errors++;
		return;
	}
	memcpy(&ph, mnl_attr_get_payload(hdr), sizeof(ph));
	if (q->npending == PENDING_MAX)
		decide_pending(d, q, now);
	p = &q->pending[q->npending++];
	p->id = ntohl(ph.packet_id);
	/* No payload: nothing to judge, and nothing to hold against it. */
	p->res = payload == NULL ? PKT_NOT_TCP :
	    pkt_parse_ip(mnl_attr_get_payload(payload),
	    mnl_attr_get_payload_len(payload), &p->pkt);
}

static void
handle_error(struct queue *q, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) || e->error == 0)
		return;
	q->stats->port_errors++;
	log_warn_limited(&q->warn_error, mxd_now(), "NFQUEUE: kernel "
	    "refused a request: %s", strerror(-e->error));
}

/* One datagram from the kernel: packets, and errors for our verdicts. */
static void
handle_datagram(struct mxd *d, struct queue *q, const void *buf, size_t len,
    int64_t now)
{
	const struct nlmsghdr *nlh = buf;
	int left = (int)len;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if (nlh->nlmsg_type == NLMSG_ERROR)
			handle_error(q, nlh);
		else if (NFNL_SUBSYS_ID(nlh->nlmsg_type) == NFNL_SUBSYS_QUEUE &&
		    NFNL_MSG_TYPE(nlh->nlmsg_type) == NFQNL_MSG_PACKET)
			handle_packet(d, q, nlh, now);
	}
}

static int
receive_batch(struct queue *q)
{
	int i, n;

	for (i = 0; i < RECV_BATCH; i++) {
		q->msgs[i].msg_hdr.msg_name = &q->from[i];
		q->msgs[i].msg_hdr.msg_namelen = sizeof(q->from[i]);
	}
	do
		n = recvmmsg(mnl_socket_get_fd(q->nl), q->msgs, RECV_BATCH,
		    MSG_DONTWAIT, NULL);
	while (n == -1 && errno == EINTR);
	return n;
}

static void
queue_input(struct mxd *d)
{
	struct queue *q = d->port_state;
	int64_t now = mxd_now();
	int round, i, n;

	for (round = 0; round < RECV_ROUNDS; round++) {
		if ((n = receive_batch(q)) == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == ENOBUFS) {
				/* Fail-open: the kernel accepted them. */
				d->stats.overflows++;
				log_warn_limited(&q->warn_overflow, now,
				    "NFQUEUE socket overflowed: packets "
				    "were accepted unexamined");
				continue;
			}
			d->stats.port_errors++;
			log_warn_limited(&q->warn_error, now, "NFQUEUE "
			    "receive: %s", strerror(errno));
			break;
		}
		for (i = 0; i < n; i++) {
			/* Only the kernel (port id 0) may speak to us. */
			if (q->from[i].nl_pid != 0)
				continue;
			handle_datagram(d, q, q->iov[i].iov_base,
			    q->msgs[i].msg_len, now);
		}
		flush_verdicts(d, q, now);
		if (n < RECV_BATCH)
			break;
	}
}

/* Send one configuration message and wait for the kernel's answer. */
static int
configure(struct mxd *d, struct queue *q, struct nlmsghdr *nlh)
{
	char buf[RECV_SLOT];
	const struct nlmsghdr *r;
	const struct nlmsgerr *e;
	ssize_t n;
	int left;

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++q->seq;
	if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) == -1)
		return -1;
	for (;;) {
		if ((n = mnl_socket_recvfrom(q->nl, buf, sizeof(buf))) == -1) {
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			return -1;
		}
		left = (int)n;
		for (r = (void *)buf; mnl_nlmsg_ok(r, left);
		    r = mnl_nlmsg_next(r, &left)) {
			if (r->nlmsg_type != NLMSG_ERROR ||
			    r->nlmsg_seq != q->seq) {
				/* A packet queued while we were waiting. */
				handle_datagram(d, q, r, r->nlmsg_len,
				    mxd_now());
				continue;
			}
			/* Answer what came meanwhile before going on. */
			flush_verdicts(d, q, mxd_now());
			e = mnl_nlmsg_get_payload(r);
			if (e->error == 0)
				return 0;
			errno = -e->error;
			return -1;
		}
		flush_verdicts(d, q, mxd_now());
	}
}

static void
bind_queue(struct mxd *d, struct queue *q)
{
	char buf[RECV_SLOT];
	struct nlmsghdr *nlh;

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->queue_num);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_BIND);
	if (configure(d, q, nlh) == -1) {
		/* The kernel says EPERM when another socket owns the queue. */
		if (errno == EPERM || errno == EBUSY)
			fatalx("NFQUEUE %u: bind refused: it is bound by another "
			    "process, or mxallowd lacks CAP_NET_ADMIN",
			    q->queue_num);
		fatal("bind NFQUEUE %u", q->queue_num);
	}
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->queue_num);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, COPY_RANGE);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, QUEUE_MAXLEN);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(NFQA_CFG_F_FAIL_OPEN));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_FAIL_OPEN));
	if (configure(d, q, nlh) == -1)
		fatal("configure NFQUEUE %u", q->queue_num);
}

/*
 * A large receive buffer absorbs bursts.  SO_RCVBUFFORCE ignores
 * net.core.rmem_max (which cannot be raised inside a network namespace);
 * without CAP_NET_ADMIN fall back to what SO_RCVBUF allows.
 */
static void
grow_receive_buffer(struct queue *q)
{
	int fd = mnl_socket_get_fd(q->nl), size = RCVBUF_BYTES;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
	    sizeof(size)) == -1 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) == -1)
		log_warn("NFQUEUE receive buffer");
}

static void
queue_start(struct mxd *d)
{
	struct queue *q = &queue_state;
	int i;

	memset(q, 0, sizeof(*q));
	q->queue_num = (uint32_t)d->cfg.queue_num;
	q->stats = &d->stats;
	d->port_state = q;
	if ((q->recvbuf = calloc(RECV_BATCH, RECV_SLOT)) == NULL)
		fatal("NFQUEUE buffers");
	for (i = 0; i < RECV_BATCH; i++) {
		q->iov[i].iov_base = q->recvbuf + (size_t)i * RECV_SLOT;
		q->iov[i].iov_len = RECV_SLOT;
		q->msgs[i].msg_hdr.msg_iov = &q->iov[i];
		q->msgs[i].msg_hdr.msg_iovlen = 1;
	}
	if ((q->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC)) ==
	    NULL)
		fatal("netlink socket");
	if (mnl_socket_bind(q->nl, 0, MNL_SOCKET_AUTOPID) == -1)
		fatal("netlink bind");
	grow_receive_buffer(q);
	bind_queue(d, q);
	log_info("reading NFQUEUE %u", q->queue_num);
}

static int
queue_fd(struct mxd *d)
{
	struct queue *q = d->port_state;

	return mnl_socket_get_fd(q->nl);
}

static int
queue_reconfigure(struct mxd *d, struct mx_config *next)
{
	if (next->queue_num != d->cfg.queue_num) {
		log_warnx("queue-num cannot change while running (%lld to "
		    "%lld): restart mxallowd", d->cfg.queue_num,
		    next->queue_num);
		return -1;
	}
	return 0;
}

/* Unbind, so that --queue-bypass lets traffic through at once. */
static void
queue_stop(struct mxd *d)
{
	struct queue *q = d->port_state;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->queue_num);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_UNBIND);
	if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) == -1)
		log_warn("unbind NFQUEUE %u", q->queue_num);
	mnl_socket_close(q->nl);
	free(q->recvbuf);
}

const struct mx_port nfq_port = {
	.name = "linux-nfqueue",
	.id = MX_PORT_LINUX,
	.confine = linux_confine,
	.start = queue_start,
	.fd = queue_fd,
	.input = queue_input,
	.removed = NULL,
	.reconfigure = queue_reconfigure,
	.stop = queue_stop,
	.peer_cred = linux_peer_cred,
};
