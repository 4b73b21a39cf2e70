# The pf port's table side: the table client (pf/table.c), privilege
# separation (pf/privsep.c, pf/parent.c) and the privileged writer of the
# state file (pf/statefile.c).  pf exists only on the BSDs, so on Linux this
# code is built against stand-ins for <net/pfvar.h> with the OpenBSD and the
# FreeBSD layout (tests/pfcompat/*/net/pfvar.h) and tested once per layout
# against an in-memory pf (tests/pfcompat/fake_pf.c).  BSDmakefile builds
# the real thing.

PFCOMPAT_OSES	 = openbsd freebsd
# The FreeBSD layout records Capsicum (tests/pfcompat/freebsd/sys/capsicum.h,
# tests/pfcompat/fake_capsicum.c) where the engine would enter it.
PFCOMPAT_DEFS_freebsd  = -DPFCOMPAT_CAPSICUM
PFCOMPAT_EXTRA_freebsd = $(O)/pfcompat/freebsd/tests/pfcompat/fake_capsicum.o
PFCOMPAT_HEADERS = $(wildcard tests/pfcompat/*.h tests/pfcompat/*/net/*.h)
PFCOMPAT_TESTS	 = test_pftable test_privsep test_pfport test_pfprocs
UNIT_TESTS	+= $(foreach t,$(PFCOMPAT_TESTS),$(PFCOMPAT_OSES:%=$(t)_%))

# pfcompat_rules OS: objects built with that layout, and the test programs,
# which the generic $(O)/tests/% rule links with the core.
define pfcompat_rules
PFCOMPAT_CPPFLAGS_$(1) = -Ipf -Itests/pfcompat -Itests/pfcompat/$(1) \
			 $(PFCOMPAT_DEFS_$(1))

$(O)/pfcompat/$(1)/%.o: %.c $$(HEADERS) $$(PFCOMPAT_HEADERS)
	@mkdir -p $$(@D)
	$$(CC) $$(CPPFLAGS) $$(PFCOMPAT_CPPFLAGS_$(1)) $$(CFLAGS) $$(WARN) -c -o $$@ $$<

$(O)/tests/unit/%_$(1).o: tests/unit/%.c $$(HEADERS) $$(PFCOMPAT_HEADERS)
	@mkdir -p $$(@D)
	$$(CC) $$(CPPFLAGS) $$(PFCOMPAT_CPPFLAGS_$(1)) $$(CFLAGS) $$(WARN) -c -o $$@ $$<

$(O)/tests/test_pftable_$(1): $(O)/pfcompat/$(1)/pf/table.o \
	$(O)/pfcompat/$(1)/tests/pfcompat/fake_pf.o

$(O)/tests/test_privsep_$(1): $(O)/pfcompat/$(1)/pf/privsep.o \
	$$(PFCOMPAT_EXTRA_$(1)) \
	$(O)/pfcompat/$(1)/pf/statefile.o $(O)/pfcompat/$(1)/pf/table.o \
	$(O)/pfcompat/$(1)/tests/pfcompat/fake_pf.o

# test_pfport brings its own capture_*() in place of pf/capture.c.
$(O)/tests/test_pfport_$(1): $(O)/pfcompat/$(1)/pf/port.o \
	$(O)/pfcompat/$(1)/pf/peercred.o \
	$(O)/pfcompat/$(1)/tests/pfcompat/fake_peereid.o \
	$$(PFCOMPAT_EXTRA_$(1)) \
	$(O)/pfcompat/$(1)/pf/parent.o \
	$(O)/pfcompat/$(1)/pf/privsep.o $(O)/pfcompat/$(1)/pf/statefile.o \
	$(O)/pfcompat/$(1)/pf/table.o \
	$(O)/pfcompat/$(1)/tests/pfcompat/fake_pf.o
# test_pfprocs too: a capture that reads records from a pipe.
$(O)/tests/test_pfprocs_$(1): $(O)/pfcompat/$(1)/pf/port.o \
	$(O)/pfcompat/$(1)/pf/peercred.o \
	$(O)/pfcompat/$(1)/tests/pfcompat/fake_peereid.o \
	$$(PFCOMPAT_EXTRA_$(1)) \
	$(O)/pfcompat/$(1)/pf/parent.o \
	$(O)/pfcompat/$(1)/pf/privsep.o $(O)/pfcompat/$(1)/pf/statefile.o \
	$(O)/pfcompat/$(1)/pf/table.o \
	$(O)/pfcompat/$(1)/tests/pfcompat/fake_pf.o
endef

$(foreach os,$(PFCOMPAT_OSES),$(eval $(call pfcompat_rules,$(os))))

# The rules above must not become make's default goal.
.DEFAULT_GOAL := all
