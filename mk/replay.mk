# The capture side: pflog parsing, offline replay (-R), the pflog savefile
# generator, and a compile check of the pf port's live capture.

PCAP_LIBS := $(shell pkg-config --libs libpcap 2>/dev/null || echo -lpcap)

COMMON_SRC += common/pflog.c common/replay.c
LINUX_LIBS += $(PCAP_LIBS)
TEST_LIBS  += $(PCAP_LIBS)
UNIT_TESTS += test_pflog test_capture
TOOLS	   += pflogen

# A rule here would become make's default goal: keep it "all".
.DEFAULT_GOAL := all

# pf/capture.c runs on the BSDs only, but is compiled and linked here too
# (into test_capture) so that it cannot rot on Linux.
$(O)/tests/test_capture: $(O)/pf/capture.o

$(O)/tests/unit/test_capture.o: CPPFLAGS += -Ipf

# The benchmark's reference loop: bench/replay.sh builds it.
$(O)/bench/pcaploop: bench/pcaploop.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ $< $(PCAP_LIBS)
