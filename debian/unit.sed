# sed script: debian/rules runs it over the unit that "make install"
# staged.  It replaces the unit's header comment, up to the first empty
# line, with one for the package, and runs the daemon as the system user
# mxallowd (created by the package's postinst).
1,/^$/c\
# systemd unit for mxallowd(8), the Linux (NFQUEUE) port, as packaged for\
# Debian: see /usr/share/doc/mxallowd/README.Debian.\
#\
# The package installs it disabled.  Set fake-mailserver, real-mailserver\
# and queue-num in /etc/mxallowd.conf; the firewall rules (iptables,\
# ip6tables or nftables, with --queue-bypass or bypass) are set up by\
# whatever loads the rest of the firewall.  Then:\
#   systemctl enable --now mxallowd\
#\
# mxallowd binds the NFQUEUE and sends every verdict with CAP_NET_ADMIN.\
# Here it runs as the system user mxallowd from the start, with\
# CAP_NET_ADMIN as its only capability.  Started as another user than root,\
# it does not change users: a `user' option naming anybody else, and a\
# `chroot', are fatal errors under this unit.  The file\
# system is read-only to it but for its runtime and state directories,\
# which systemd makes the user's.\

/^\[Service\]$/a\
User=mxallowd\
Group=mxallowd
