# make install / make uninstall (the GNU build: Linux).
#
#   PREFIX	/usr/local
#   SBINDIR	$(PREFIX)/sbin			mxallowd, mxallowctl
#   MANDIR	$(PREFIX)/share/man		man8/mxallowd.8, man8/mxallowctl.8,
#						man5/mxallowd.conf.5
#   SYSCONFDIR	/etc				mxallowd.conf.sample
#   UNITDIR	$(PREFIX)/lib/systemd/system	mxallowd.service
#   DESTDIR	(empty)				staging root, prepended to all
#
# SYSCONFDIR is /etc whatever the prefix, because that is where mxallowd
# looks for mxallowd.conf; with another SYSCONFDIR the unit passes
# -c $(SYSCONFDIR)/mxallowd.conf.  The sample is installed beside it as
# mxallowd.conf.sample: an existing mxallowd.conf is never touched, not
# even by uninstall.  UNITDIR is on systemd's search path for both
# PREFIX=/usr/local and PREFIX=/usr; the unit's ExecStart (and the
# commented-out ExecStopPost) is rewritten to $(SBINDIR)/mxallowd.

PREFIX	   ?= /usr/local
SBINDIR	   ?= $(PREFIX)/sbin
MANDIR	   ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR	   ?= $(PREFIX)/lib/systemd/system
INSTALL	   ?= install

# A rule here would become make's default goal: keep it "all".
.DEFAULT_GOAL := all

INSTALL_CONFIG_ARG = $(if $(filter-out /etc /etc/,$(SYSCONFDIR)), -c $(SYSCONFDIR)/mxallowd.conf)

install: $(O)/mxallowd $(O)/mxallowctl
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(SYSCONFDIR) $(DESTDIR)$(UNITDIR)
	$(INSTALL) -m 755 $(O)/mxallowd $(DESTDIR)$(SBINDIR)/mxallowd
	$(INSTALL) -m 755 $(O)/mxallowctl $(DESTDIR)$(SBINDIR)/mxallowctl
	$(INSTALL) -m 644 man/mxallowd.8 $(DESTDIR)$(MANDIR)/man8/mxallowd.8
	$(INSTALL) -m 644 man/mxallowctl.8 \
	    $(DESTDIR)$(MANDIR)/man8/mxallowctl.8
	$(INSTALL) -m 644 man/mxallowd.conf.5 \
	    $(DESTDIR)$(MANDIR)/man5/mxallowd.conf.5
	$(INSTALL) -m 644 etc/mxallowd.conf \
	    $(DESTDIR)$(SYSCONFDIR)/mxallowd.conf.sample
	sed -e 's|^ExecStart=/usr/local/sbin/mxallowd |ExecStart=$(SBINDIR)/mxallowd$(INSTALL_CONFIG_ARG) |' \
	    -e 's|^#ExecStopPost=/usr/local/sbin/mxallowd |#ExecStopPost=$(SBINDIR)/mxallowd$(INSTALL_CONFIG_ARG) |' \
	    rc.d/linux/mxallowd.service >$(DESTDIR)$(UNITDIR)/mxallowd.service.tmp
	chmod 644 $(DESTDIR)$(UNITDIR)/mxallowd.service.tmp
	mv -f $(DESTDIR)$(UNITDIR)/mxallowd.service.tmp \
	    $(DESTDIR)$(UNITDIR)/mxallowd.service

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/mxallowd \
	    $(DESTDIR)$(SBINDIR)/mxallowctl \
	    $(DESTDIR)$(MANDIR)/man8/mxallowd.8 \
	    $(DESTDIR)$(MANDIR)/man8/mxallowctl.8 \
	    $(DESTDIR)$(MANDIR)/man5/mxallowd.conf.5 \
	    $(DESTDIR)$(SYSCONFDIR)/mxallowd.conf.sample \
	    $(DESTDIR)$(UNITDIR)/mxallowd.service

.PHONY: install uninstall
