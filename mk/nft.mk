# The Linux port's nftables backend.  The ruleset generator
# (linux/nftrules.c) needs no library and is always built (--print-ruleset
# works everywhere); the backend itself (linux/nft.c) needs libnftables
# and libnftnl, and is left out, with a clear refusal of "backend
# nftables", where pkg-config does not find them.

NFT_PKGS   = libnftables libnftnl
HAVE_NFT  := $(shell pkg-config --exists $(NFT_PKGS) 2>/dev/null && echo yes)
LINUX_SRC += linux/nftrules.c
ifeq ($(HAVE_NFT),yes)
LINUX_SRC += linux/nft.c
NFQ_CFLAGS += -DHAVE_NFTABLES $(shell pkg-config --cflags $(NFT_PKGS))
LINUX_LIBS += $(shell pkg-config --libs $(NFT_PKGS))
endif
UNIT_TESTS += test_nftrules

$(O)/tests/unit/test_nftrules.o: tests/unit/test_nftrules.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Ilinux $(CFLAGS) $(WARN) -c -o $@ $<

$(O)/tests/test_nftrules: $(O)/linux/nftrules.o
