# Benchmarks (issue 7): `make bench` builds the daemon and the reference
# programs in bench/ and runs every benchmark, each against references
# measured in the same run; the tables go to bench/results/.  Needs root
# (network namespaces) for the NFQUEUE gate.  Never part of `make check`.
#
#   bench/gate.sh	NFQUEUE: verdicts/s, CPU per verdict, unverdicted
#			SYNs, connect() latency (bench/nfqref.c,
#			bench/synsend.c, bench/connlat.c)
#   bench/whitelist.sh	the whitelist against an open-addressing set
#			(bench/wlbench.c)
#   bench/replay.sh	replay against a bare libpcap loop (bench/pcaploop.c,
#			built by mk/replay.mk)
#   bench/sync.sh	gate to gate through redis-server against a minimal
#			publish/subscribe loop (bench/syncprop.c,
#			bench/redisref.c; needs hiredis)
#   bench/fakeanswer.sh	connect() to the real MX while the answering fake
#			MX is attacked, against fake-answer rst under the
#			same attack (tests/tools/fakeclient.c)

# A rule here would become make's default goal: keep it "all".
.DEFAULT_GOAL := all

BENCH_PROGS = synsend nfqref connlat wlbench syncprop
ifeq ($(SYNC),yes)
BENCH_PROGS += redisref
endif

$(O)/bench/synsend: bench/synsend.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ $<

$(O)/bench/connlat: bench/connlat.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ $<

$(O)/bench/nfqref: bench/nfqref.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(NFQ_CFLAGS) $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ $< \
	    $(NFQ_LIBS)

$(O)/bench/syncprop: bench/syncprop.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ $<

$(O)/bench/redisref: bench/redisref.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ $< $(SYNC_LIBS)

# The whitelist is measured as the daemon links it: common/whitelist.o.
$(O)/bench/wlbench: bench/wlbench.c $(O)/common/whitelist.o \
		    $(O)/common/addr.o $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ bench/wlbench.c \
	    $(O)/common/whitelist.o $(O)/common/addr.o

bench-progs: all $(BENCH_PROGS:%=$(O)/bench/%) $(O)/bench/pcaploop \
	     $(O)/tools/pflogen $(O)/tools/fakeclient $(O)/tools/mxprobe

bench: bench-progs
	sh bench/run.sh

.PHONY: bench bench-progs
