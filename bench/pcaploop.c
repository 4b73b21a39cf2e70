/*
 * pcaploop: the reference for the replay benchmark.  Reads a savefile with
 * libpcap and touches every packet (its length and first and last bytes),
 * nothing more: the fastest any replay of the file can be.  With -f, only
 * the packets a pcap-filter expression accepts are touched (libpcap runs
 * the BPF program on each packet read, as the pf port's capture does).
 * With -B, the file is read through a stdio buffer of that many bytes
 * (mxallowd -R reads through one of 1 MiB) instead of stdio's default.
 *
 * usage: pcaploop [-B bytes] [-f expression] file
 */
#include <sys/types.h>

#include <err.h>
#include <pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
usage(void)
{
	fprintf(stderr, "usage: pcaploop [-B bytes] [-f expression] file\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct bpf_program prog;
	struct pcap_pkthdr *hdr;
	const char *filter = NULL;
	unsigned long bufsize = 0;
	char *buf = NULL;
	FILE *fp;
	const u_char *data;
	pcap_t *p;
	uint64_t packets = 0, sum = 0;
	double start, secs;
	int ch, rc;

	while ((ch = getopt(argc, argv, "B:f:")) != -1) {
		switch (ch) {
		case 'B':
			bufsize = strtoul(optarg, NULL, 10);
			if (bufsize == 0)
				usage();
			break;
		case 'f':
			filter = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage();
	start = now();
	if (bufsize > 0) {
		if ((fp = fopen(argv[0], "rb")) == NULL)
			err(1, "%s", argv[0]);
		if ((buf = malloc(bufsize)) == NULL)
			err(1, NULL);
		setvbuf(fp, buf, _IOFBF, bufsize);
		if ((p = pcap_fopen_offline(fp, errbuf)) == NULL)
			errx(1, "%s: %s", argv[0], errbuf);
	} else if ((p = pcap_open_offline(argv[0], errbuf)) == NULL)
		errx(1, "%s: %s", argv[0], errbuf);
	if (filter != NULL) {
		if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) ==
		    -1 || pcap_setfilter(p, &prog) == -1)
			errx(1, "%s: %s", filter, pcap_geterr(p));
		pcap_freecode(&prog);
	}
	while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
		packets++;
		sum += hdr->caplen;
		if (hdr->caplen > 0)
			sum += data[0] + data[hdr->caplen - 1];
	}
	if (rc == PCAP_ERROR)
		errx(1, "%s: %s", argv[0], pcap_geterr(p));
	pcap_close(p);
	free(buf);
	secs = now() - start;
	printf("pcaploop: %llu packets in %.3f s: %.0f packets/s "
	    "(checksum %llu)\n", (unsigned long long)packets, secs,
	    secs > 0 ? (double)packets / secs : 0.0, (unsigned long long)sum);
	return 0;
}
