/*
 * nfqref: the references for the NFQUEUE benchmark (bench/gate.sh).  The
 * least a program must do to answer an NFQUEUE: read a queued packet's id,
 * send a verdict.  No policy, no parsing of the packet itself.
 *
 *   nfqref -m one|batch -n queue-num [-d prefix/len] [-t seconds]
 *
 * one:	  one recv() and one NFQNL_MSG_VERDICT per packet.
 * batch: recvmmsg() of up to 64 packets (blocking until the first), one
 *	  NFQNL_MSG_VERDICT_BATCH per run of equal verdicts, all of a batch's
 *	  verdicts in one send().
 *
 * Every packet is accepted, except, with -d, those whose source address
 * lies in the prefix: the benchmark's unlisted senders, the ones mxallowd
 * drops.  So a reference gives the verdicts mxallowd gives, in the same
 * runs, and the kernel does the same work after each of them.
 *
 * The queue is set up as mxallowd sets up its own: copy range 128 bytes,
 * 65536 packets, fail-open, a 16 MiB receive buffer.  SIGUSR1 prints the
 * counters; SIGTERM or SIGINT prints them and exits, and so does the end
 * of its lifetime, -t seconds (default 3600), should nobody stop it.  Uses libmnl, as
 * mxallowd does, but not libnetfilter_queue's attribute parser.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>

#define COPY_RANGE	128
#define QUEUE_MAXLEN	65536
#define RCVBUF_BYTES	(16 * 1024 * 1024)
#define BATCH		64
#define SLOT		8192

struct ref {
	struct mnl_socket	*nl;
	int			 fd;
	uint16_t		 queue;
	/* Sources to drop: family 0 drops nothing. */
	int			 drop_family;
	uint8_t			 drop_addr[16];
	uint8_t			 drop_mask[16];
	/* Counters. */
	unsigned long		 verdicts;
	unsigned long		 drops;
	unsigned long		 recvs;
	unsigned long		 sends;
	unsigned long		 overflows;
	unsigned long		 errors;
	/* The run of equal verdicts being collected (batch mode). */
	uint32_t		 run_id;
	int			 run_verdict;
	unsigned		 run_len;
	char			 sendbuf[BATCH * 64];
	size_t			 sendlen;
};

static volatile sig_atomic_t	got_stats, got_quit;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_stats = 1;
	else
		got_quit = 1;
}

static void
print_stats(const struct ref *r)
{
	printf("statistics: verdicts %lu, drops %lu, recvs %lu, sends %lu, "
	    "overflows %lu, errors %lu\n", r->verdicts, r->drops, r->recvs,
	    r->sends, r->overflows, r->errors);
	fflush(stdout);
}

/* An nfnetlink message header for the queue, at buf. */
static struct nlmsghdr *
put_header(char *buf, uint16_t type, uint16_t queue)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_QUEUE << 8) | type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(queue);
	return nlh;
}

/* Append one verdict message (single or batch) to the send buffer. */
static void
put_verdict(struct ref *r, uint16_t type, uint32_t id, int verdict)
{
	struct nfqnl_msg_verdict_hdr vh;
	struct nlmsghdr *nlh;

	nlh = put_header(r->sendbuf + r->sendlen, type, r->queue);
	vh.verdict = htonl((uint32_t)verdict);
	vh.id = htonl(id);
	mnl_attr_put(nlh, NFQA_VERDICT_HDR, sizeof(vh), &vh);
	r->sendlen += NLMSG_ALIGN(nlh->nlmsg_len);
}

static void
flush(struct ref *r)
{
	if (r->sendlen == 0)
		return;
	if (mnl_socket_sendto(r->nl, r->sendbuf, r->sendlen) == -1)
		r->errors++;
	r->sends++;
	r->sendlen = 0;
}

static void
close_run(struct ref *r)
{
	if (r->run_len == 0)
		return;
	put_verdict(r, r->run_len > 1 ? NFQNL_MSG_VERDICT_BATCH :
	    NFQNL_MSG_VERDICT, r->run_id, r->run_verdict);
	r->run_len = 0;
}

/* Drop a packet from the -d prefix, accept anything else. */
static int
verdict_for(const struct ref *r, const uint8_t *ip, size_t len)
{
	size_t off, n, i;

	if (r->drop_family == AF_INET6 && len >= 40 && ip[0] >> 4 == 6) {
		off = 8;
		n = 16;
	} else if (r->drop_family == AF_INET && len >= 20 && ip[0] >> 4 == 4) {
		off = 12;
		n = 4;
	} else
		return NF_ACCEPT;
	for (i = 0; i < n; i++)
		if ((ip[off + i] & r->drop_mask[i]) != r->drop_addr[i])
			return NF_ACCEPT;
	return NF_DROP;
}

/*
 * A queued packet's id (0 if the message is not one) and its first bytes.
 * The packet header comes first and the payload last: stop there.
 */
static uint32_t
packet_id(const struct nlmsghdr *nlh, const uint8_t **ip, size_t *len)
{
	const struct nfqnl_msg_packet_hdr *ph;
	const struct nlattr *attr;
	uint32_t id = 0;

	*ip = NULL;
	*len = 0;
	if (nlh->nlmsg_type != ((NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET))
		return 0;
	mnl_attr_for_each(attr, nlh, sizeof(struct nfgenmsg)) {
		switch (mnl_attr_get_type(attr)) {
		case NFQA_PACKET_HDR:
			if (mnl_attr_get_payload_len(attr) < sizeof(*ph))
				return 0;
			ph = mnl_attr_get_payload(attr);
			id = ntohl(ph->packet_id);
			break;
		case NFQA_PAYLOAD:
			*ip = mnl_attr_get_payload(attr);
			*len = mnl_attr_get_payload_len(attr);
			return id;
		}
	}
	return id;
}

/* Every packet in one datagram; verdicts are added to the runs. */
static void
handle(struct ref *r, const char *buf, size_t len, int batch)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	const uint8_t *ip;
	size_t iplen;
	int left = (int)len, verdict;
	uint32_t id;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if ((id = packet_id(nlh, &ip, &iplen)) == 0)
			continue;
		verdict = verdict_for(r, ip, iplen);
		r->verdicts++;
		if (verdict == NF_DROP)
			r->drops++;
		if (!batch) {
			put_verdict(r, NFQNL_MSG_VERDICT, id, verdict);
			flush(r);
			continue;
		}
		if (r->run_len > 0 && r->run_verdict != verdict)
			close_run(r);
		r->run_id = id;
		r->run_verdict = verdict;
		r->run_len++;
	}
}

/* A receive error: overflow (fail-open let packets through) or worse. */
static void
recv_error(struct ref *r)
{
	if (errno == ENOBUFS)
		r->overflows++;
	else if (errno != EINTR)
		r->errors++;
}

static void
loop_one(struct ref *r)
{
	static char buf[SLOT];
	ssize_t n;

	while (!got_quit) {
		if (got_stats) {
			got_stats = 0;
			print_stats(r);
		}
		if ((n = recv(r->fd, buf, sizeof(buf), 0)) == -1) {
			recv_error(r);
			continue;
		}
		r->recvs++;
		handle(r, buf, (size_t)n, 0);
	}
}

static void
loop_batch(struct ref *r)
{
	static char bufs[BATCH][SLOT];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	int i, n;

	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = SLOT;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (!got_quit) {
		if (got_stats) {
			got_stats = 0;
			print_stats(r);
		}
		if ((n = recvmmsg(r->fd, msgs, BATCH, MSG_WAITFORONE,
		    NULL)) == -1) {
			recv_error(r);
			continue;
		}
		r->recvs++;
		for (i = 0; i < n; i++)
			handle(r, bufs[i], msgs[i].msg_len, 1);
		close_run(r);
		flush(r);
	}
}

/* One configuration request, acknowledged. */
static void
configure(struct ref *r, struct nlmsghdr *nlh, const char *what)
{
	char buf[SLOT];
	const struct nlmsghdr *ack;
	const struct nlmsgerr *e;
	ssize_t n;

	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(r->nl, nlh, nlh->nlmsg_len) == -1)
		err(1, "%s", what);
	if ((n = mnl_socket_recvfrom(r->nl, buf, sizeof(buf))) == -1)
		err(1, "%s", what);
	ack = (const void *)buf;
	if (!mnl_nlmsg_ok(ack, (int)n) || ack->nlmsg_type != NLMSG_ERROR)
		errx(1, "%s: no acknowledgement", what);
	e = mnl_nlmsg_get_payload(ack);
	if (e->error != 0)
		errx(1, "%s: %s", what, strerror(-e->error));
}

static void
setup(struct ref *r)
{
	struct nfqnl_msg_config_cmd cmd;
	struct nfqnl_msg_config_params params;
	struct nlmsghdr *nlh;
	char buf[SLOT];
	int size = RCVBUF_BYTES;

	if ((r->nl = mnl_socket_open(NETLINK_NETFILTER)) == NULL)
		err(1, "netlink socket");
	if (mnl_socket_bind(r->nl, 0, MNL_SOCKET_AUTOPID) == -1)
		err(1, "netlink bind");
	r->fd = mnl_socket_get_fd(r->nl);
	if (setsockopt(r->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
	    sizeof(size)) == -1)
		err(1, "SO_RCVBUFFORCE");

	nlh = put_header(buf, NFQNL_MSG_CONFIG, r->queue);
	memset(&cmd, 0, sizeof(cmd));
	cmd.command = NFQNL_CFG_CMD_BIND;
	mnl_attr_put(nlh, NFQA_CFG_CMD, sizeof(cmd), &cmd);
	configure(r, nlh, "bind queue");

	nlh = put_header(buf, NFQNL_MSG_CONFIG, r->queue);
	params.copy_range = htonl(COPY_RANGE);
	params.copy_mode = NFQNL_COPY_PACKET;
	mnl_attr_put(nlh, NFQA_CFG_PARAMS, sizeof(params), &params);
	mnl_attr_put_u32(nlh, NFQA_CFG_QUEUE_MAXLEN, htonl(QUEUE_MAXLEN));
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(NFQA_CFG_F_FAIL_OPEN));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_FAIL_OPEN));
	configure(r, nlh, "configure queue");
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: nfqref -m one|batch -n queue-num "
	    "[-d prefix/len] [-t seconds]\n");
	exit(2);
}

/* -d address/len: the sources to drop. */
static void
parse_prefix(struct ref *r, const char *arg)
{
	char buf[64], *slash;
	long bits;
	int i, max;

	if (strlen(arg) >= sizeof(buf) || (slash = strchr(arg, '/')) == NULL)
		usage();
	memcpy(buf, arg, (size_t)(slash - arg));
	buf[slash - arg] = '\0';
	if (inet_pton(AF_INET6, buf, r->drop_addr) == 1) {
		r->drop_family = AF_INET6;
		max = 128;
	} else if (inet_pton(AF_INET, buf, r->drop_addr) == 1) {
		r->drop_family = AF_INET;
		max = 32;
	} else
		usage();
	bits = strtol(slash + 1, NULL, 10);
	if (bits < 0 || bits > max)
		usage();
	for (i = 0; i < max / 8; i++) {
		r->drop_mask[i] = bits >= 8 ? 0xff : bits > 0 ?
		    (uint8_t)(0xff << (8 - bits)) : 0;
		bits = bits >= 8 ? bits - 8 : 0;
		r->drop_addr[i] &= r->drop_mask[i];
	}
}

int
main(int argc, char *argv[])
{
	static struct ref r;
	struct sigaction sa;
	const char *mode = NULL;
	long queue = -1, lifetime = 3600;
	int ch;

	while ((ch = getopt(argc, argv, "d:m:n:t:")) != -1) {
		switch (ch) {
		case 'd':
			parse_prefix(&r, optarg);
			break;
		case 'm':
			mode = optarg;
			break;
		case 'n':
			queue = strtol(optarg, NULL, 10);
			break;
		case 't':
			lifetime = strtol(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (mode == NULL || queue < 0 || queue > 65535 || lifetime <= 0 ||
	    (strcmp(mode, "one") != 0 && strcmp(mode, "batch") != 0))
		usage();
	r.queue = (uint16_t)queue;

	/* No SA_RESTART: a signal must interrupt the blocking receive. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	alarm((unsigned)lifetime);

	setup(&r);
	printf("nfqref: %s mode, queue %u bound\n", mode, r.queue);
	fflush(stdout);
	if (strcmp(mode, "one") == 0)
		loop_one(&r);
	else
		loop_batch(&r);
	print_stats(&r);
	mnl_socket_close(r.nl);
	return 0;
}
