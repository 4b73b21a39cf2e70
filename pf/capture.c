/*
 * Live capture from pflog with libpcap.  The per-packet work (the pflog
 * header, IP and TCP) is link_decode(), shared with the replay of
 * savefiles, so that a packet means the same live and replayed.
 */
#include <sys/types.h>

#include <pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "log.h"

#define USEC_PER_SEC	1000000

struct capture {
	pcap_t		*pcap;
	capture_cb	*cb;
	void		*arg;
};

/*
 * Why pcap_activate() failed.  PCAP_ERROR has its text in pcap_geterr();
 * the other codes have pcap_statustostr()'s, and pcap_geterr() adds
 * details, or nothing, or (FreeBSD, a missing interface) the same text
 * again: say it once.
 */
static void
activate_error(pcap_t *p, const char *ifname, int rc, char *err,
    size_t errlen)
{
	const char *status = pcap_statustostr(rc), *detail = pcap_geterr(p);

	if (rc == PCAP_ERROR)
		seterr(err, errlen, "%s: %s", ifname, detail);
	else if (detail[0] == '\0' || strstr(detail, status) != NULL)
		seterr(err, errlen, "%s: %s", ifname, status);
	else
		seterr(err, errlen, "%s: %s (%s)", ifname, status, detail);
}

struct capture *
capture_open_live(const char *ifname, const char *filter, char *err,
    size_t errlen)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct bpf_program prog;
	struct capture *c;
	int rc;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		seterr(err, errlen, "out of memory");
		return NULL;
	}
	errbuf[0] = '\0';
	if ((c->pcap = pcap_create(ifname, errbuf)) == NULL) {
		seterr(err, errlen, "%s: %s", ifname, errbuf);
		free(c);
		return NULL;
	}
	if (pcap_set_snaplen(c->pcap, CAPTURE_SNAPLEN) != 0 ||
	    pcap_set_immediate_mode(c->pcap, 1) != 0) {
		seterr(err, errlen, "%s: cannot set capture options", ifname);
		goto fail;
	}
	if ((rc = pcap_activate(c->pcap)) < 0) {
		activate_error(c->pcap, ifname, rc, err, errlen);
		goto fail;
	}
	if (pcap_datalink(c->pcap) != DLT_PFLOG) {
		seterr(err, errlen, "%s is not a pflog interface (link type "
		    "%d)", ifname, pcap_datalink(c->pcap));
		goto fail;
	}
	if (filter != NULL && filter[0] != '\0') {
		if (pcap_compile(c->pcap, &prog, filter, 1,
		    PCAP_NETMASK_UNKNOWN) == -1) {
			seterr(err, errlen, "pcap-filter \"%s\": %s", filter,
			    pcap_geterr(c->pcap));
			goto fail;
		}
		rc = pcap_setfilter(c->pcap, &prog);
		pcap_freecode(&prog);
		if (rc == -1) {
			seterr(err, errlen, "%s: set filter: %s", ifname,
			    pcap_geterr(c->pcap));
			goto fail;
		}
	}
	if (pcap_setnonblock(c->pcap, 1, errbuf) == -1) {
		seterr(err, errlen, "%s: %s", ifname, errbuf);
		goto fail;
	}
	return c;
fail:
	capture_close(c);
	return NULL;
}

int
capture_fd(struct capture *c)
{
	return pcap_get_selectable_fd(c->pcap);
}

static void
on_packet(u_char *user, const struct pcap_pkthdr *hdr, const u_char *data)
{
	struct capture *c = (struct capture *)user;
	struct pflog_info pfl;
	struct pkt_info pkt;
	enum pkt_result res;
	int64_t ts;

	res = link_decode(LINK_PFLOG, data, hdr->caplen, &pfl, &pkt);
	ts = (int64_t)hdr->ts.tv_sec * USEC_PER_SEC + (int64_t)hdr->ts.tv_usec;
	c->cb(c->arg, &pfl, &pkt, res, ts);
}

int
capture_dispatch(struct capture *c, capture_cb *cb, void *arg)
{
	int n;

	c->cb = cb;
	c->arg = arg;
	n = pcap_dispatch(c->pcap, -1, on_packet, (u_char *)c);
	if (n == PCAP_ERROR_BREAK)
		n = 0;
	return n < 0 ? -1 : n;
}

const char *
capture_error(struct capture *c)
{
	return pcap_geterr(c->pcap);
}

int
capture_drops(struct capture *c, uint64_t *drops)
{
	struct pcap_stat ps;

	if (pcap_stats(c->pcap, &ps) == -1)
		return -1;
	*drops = ps.ps_drop;
	return 0;
}

void
capture_close(struct capture *c)
{
	if (c == NULL)
		return;
	if (c->pcap != NULL)
		pcap_close(c->pcap);
	free(c);
}
