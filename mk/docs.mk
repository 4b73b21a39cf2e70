# Documentation: tests/tools/optdump prints the option table, so that
# tests/scripts/options.sh can hold the manual pages, the sample config
# and "mxallowd -h" against the code.

TOOLS	   += optdump

# A rule here would become make's default goal: keep it "all".
.DEFAULT_GOAL := all

# optdump needs only the option table and what it calls (addresses, seterr).
# (COMMON_OBJ cannot be named here: the GNUmakefile defines it after the
# fragments are read, so in a prerequisite list it would still be empty.)
$(O)/tools/optdump: $(O)/tests/tools/optdump.o $(O)/common/config.o \
		    $(O)/common/addr.o $(O)/common/log.o $(O)/common/allow.o \
		    $(O)/common/sync_event.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -pthread
