# Fuzzing: libFuzzer targets (tests/fuzz/fuzz_*.c) for the packet parser,
# the pflog header and link layers, the config parser, the state-file
# reader, the control request parser, the answering fake MX's SMTP
# command parser and the sync event parser, each built twice:
#
#  - make fuzz: $(O)/fuzz/NAME, with clang, libFuzzer, ASan and UBSan;
#    tests/scripts/fuzz.sh runs each for a bounded time;
#  - make tests: $(O)/tests/NAME, the same target linked with
#    tests/fuzz/replay_main.c and the normal CFLAGS, a unit test that
#    replays the committed inputs (tests/fuzz/corpus/NAME, and every crash
#    once found, tests/fuzz/crashes/NAME).

FUZZ_TARGETS = fuzz_packet fuzz_pflog fuzz_config fuzz_state fuzz_control \
	       fuzz_sync fuzz_smtp
UNIT_TESTS  += $(FUZZ_TARGETS)

FUZZ_CC	    ?= clang
FUZZ_CFLAGS ?= -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	       -fno-sanitize-recover=all
FUZZ_O	     = $(O)/fuzz
# Complete only once the GNUmakefile has added the core (see below).
FUZZ_COMMON_OBJ = $(COMMON_SRC:%.c=$(FUZZ_O)/%.o)

# A rule here would become make's default goal: keep it "all".
.DEFAULT_GOAL := all

fuzz: $(FUZZ_TARGETS:%=$(FUZZ_O)/%)

$(FUZZ_O)/%.o: %.c $(HEADERS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link \
	    $(WARN) -c -o $@ $<

# The GNUmakefile and later fragments define or extend COMMON_SRC and
# COMMON_OBJ after this fragment is read, so the prerequisite lists that
# name them are expanded a second time, when make needs them ($$).
.SECONDEXPANSION:

$(FUZZ_TARGETS:%=$(FUZZ_O)/%): $(FUZZ_O)/%: $(FUZZ_O)/tests/fuzz/%.o \
	$$(FUZZ_COMMON_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $^ \
	    $(TEST_LIBS)

$(FUZZ_TARGETS:%=$(O)/tests/%): $(O)/tests/%: $(O)/tests/fuzz/%.o \
	$(O)/tests/fuzz/replay_main.o $$(COMMON_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(TEST_LIBS)

.PHONY: fuzz
