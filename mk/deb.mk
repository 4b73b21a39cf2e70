# make deb: the Debian package (debian/), built from a copy of the source
# tree in build/deb/mxallowd-VERSION/, so that dpkg-buildpackage, which
# writes into the parent directory, leaves build/deb/mxallowd_VERSION_ARCH.deb
# (and its .buildinfo and .changes) and writes nothing outside build/.
# VERSION is MXALLOWD_VERSION of common/version.h; debian/changelog must
# agree.  As root on Debian, the build dependencies that are missing are
# installed first (like tests/install-deps.sh).  tests/scripts/deb.sh
# builds, checks, installs and purges the package.

# A rule here would become make's default goal: keep it "all".
.DEFAULT_GOAL := all

DEB_VERSION := $(shell sed -n 's/^\#define[ 	]*MXALLOWD_VERSION[ 	]*"\(.*\)"/\1/p' common/version.h)
DEB_DIR	     = build/deb
DEB_SRC	     = $(DEB_DIR)/mxallowd-$(DEB_VERSION)
# What dpkg-buildpackage and debian/control's Build-Depends need.
DEB_BUILD_DEPS = build-essential dpkg-dev debhelper pkg-config \
		 libnetfilter-queue-dev libmnl-dev libpcap-dev

deb:
	@test -n "$(DEB_VERSION)" || \
	    { echo "deb: no MXALLOWD_VERSION in common/version.h" >&2; exit 1; }
	@missing=""; \
	for p in $(DEB_BUILD_DEPS); do \
		dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | \
		    grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then \
			echo "deb: missing packages:$$missing" >&2; \
			echo "deb: install them as root (apt-get install$$missing)" >&2; \
			exit 1; \
		fi; \
		echo "deb: installing$$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && \
		apt-get install -y -qq --no-install-recommends $$missing >/dev/null || \
		    exit 1; \
	fi
	@v=$$(dpkg-parsechangelog -S Version); [ "$$v" = "$(DEB_VERSION)" ] || \
	    { echo "deb: debian/changelog says $$v, common/version.h $(DEB_VERSION)" >&2; \
	    exit 1; }
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_SRC)
	for f in * .[!.]*; do \
		case $$f in build|.git) continue ;; esac; \
		[ -e "$$f" ] || continue; \
		cp -pR "$$f" $(DEB_SRC)/ || exit 1; \
	done
	# Not this make's variables and flags (O=, -j jobserver): dh runs its own.
	cd $(DEB_SRC) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	    dpkg-buildpackage -us -uc -b
	@ls $(DEB_DIR)/mxallowd_$(DEB_VERSION)_*.deb

.PHONY: deb
