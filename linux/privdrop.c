/*
 * Dropping privileges on Linux.
 *
 * After the queue is bound and the pidfile written, the daemon becomes the
 * `user' option's user and keeps exactly one capability, CAP_NET_ADMIN:
 * nfnetlink checks it on every verdict message, so without it the queue
 * would stall (and, with fail-open, let everything through).  Everything
 * else goes: the other capabilities, from the bounding set too, and the
 * ability to gain privileges again (no_new_privs).
 *
 * With the `chroot' option the daemon also shuts itself into a directory.
 * The state file stays reachable through a descriptor the core keeps; the
 * system resolver, which re-reads its configuration, finds copies of
 * resolv.conf, hosts and nsswitch.conf that are made in the directory's
 * etc/ at every start (reverse-DNS whitelisting only).
 *
 * The default user, "mxallowd", is used where it exists; where it does not,
 * the daemon stays root and says so.  Started as another user than root
 * (systemd's User=, as the Debian package does), it changes nothing, and
 * a `user' option that names anybody else is an error.  A user named explicitly that does not
 * exist, or any failure on the way, is fatal: a daemon that meant to drop
 * privileges must not run with them by accident.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/capability.h>

#include "log.h"
#include "privdrop.h"

#define KEPT_CAP	CAP_NET_ADMIN

static int
capset_only(unsigned cap)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];

	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	data[cap / 32].effective = data[cap / 32].permitted = 1U << (cap % 32);
	return (int)syscall(SYS_capset, &hdr, data);
}

static int
capget_effective(uint64_t *eff)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];

	memset(&hdr, 0, sizeof(hdr));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(SYS_capget, &hdr, data) == -1)
		return -1;
	*eff = (uint64_t)data[1].effective << 32 | data[0].effective;
	return 0;
}

/*
 * The answering fake MX's sockets are bound: CAP_NET_BIND_SERVICE, which
 * a service manager may have given for them, is of no further use.  It
 * leaves every set, the ambient one too, so that nothing keeps it.
 */
static void
drop_bind_cap(void)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];
	unsigned cap = CAP_NET_BIND_SERVICE;

	memset(&hdr, 0, sizeof(hdr));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(SYS_capget, &hdr, data) == -1)
		fatal("capget");
	if (((data[cap / 32].permitted | data[cap / 32].inheritable) &
	    (1U << (cap % 32))) == 0)
		return;
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, cap, 0, 0);
	data[cap / 32].effective &= ~(1U << (cap % 32));
	data[cap / 32].permitted &= ~(1U << (cap % 32));
	data[cap / 32].inheritable &= ~(1U << (cap % 32));
	if (syscall(SYS_capset, &hdr, data) == -1)
		fatal("drop CAP_NET_BIND_SERVICE");
	log_info("fake MX bound: CAP_NET_BIND_SERVICE dropped");
}

/* Drop every capability but ours from the bounding set. */
static void
shrink_bounding_set(void)
{
	int cap, in;

	for (cap = 0; (in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0)) >= 0;
	    cap++) {
		if (cap == KEPT_CAP || in == 0)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1)
			fatal("drop capability %d from the bounding set", cap);
	}
}

/*
 * The state file is replaced by rename, so its directory must be writable
 * by the new user.  Only a directory the daemon created itself, this run,
 * is handed over: never one the administrator chose, such as /etc.
 */
static void
prepare_state_dir(const struct mxd *d, const struct passwd *pw)
{
	if (!d->state_dir_made)
		return;
	if (fchown(d->state_dirfd, pw->pw_uid, pw->pw_gid) == -1)
		fatal("chown the directory of %s", d->state_path);
	if (fchownat(d->state_dirfd, d->state_name, pw->pw_uid, pw->pw_gid,
	    AT_SYMLINK_NOFOLLOW) == -1 && errno != ENOENT)
		log_warn("chown %s", d->state_path);
}

/* Copy one resolver file into the chroot, replacing the old copy. */
static void
copy_into(const char *root, const char *file)
{
	char dst[PATH_MAX], tmp[PATH_MAX], buf[8192];
	FILE *in, *out;
	size_t n;

	if (snprintf(dst, sizeof(dst), "%s%s", root, file) >=
	    (int)sizeof(dst) || snprintf(tmp, sizeof(tmp), "%s%s.new", root,
	    file) >= (int)sizeof(tmp)) {
		log_warnx("chroot %s: path too long", root);
		return;
	}
	if ((in = fopen(file, "r")) == NULL) {
		if (errno != ENOENT)
			log_warn("%s", file);
		return;
	}
	if ((out = fopen(tmp, "w")) == NULL) {
		log_warn("%s", tmp);
		fclose(in);
		return;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			break;
	if (ferror(in) || fclose(out) == EOF || chmod(tmp, 0644) == -1 ||
	    rename(tmp, dst) == -1) {
		log_warn("copy %s to %s", file, dst);
		unlink(tmp);
	}
	fclose(in);
}

static void
enter_chroot(const struct mxd *d)
{
	const char *dir = d->cfg.chroot_dir;
	char etc[PATH_MAX];

	if (!d->cfg.no_rdns_whitelist) {
		snprintf(etc, sizeof(etc), "%s/etc", dir);
		if (mkdir(etc, 0755) == -1 && errno != EEXIST)
			log_warn("%s", etc);
		copy_into(dir, "/etc/resolv.conf");
		copy_into(dir, "/etc/hosts");
		copy_into(dir, "/etc/nsswitch.conf");
	}
	if (chroot(dir) == -1 || chdir("/") == -1)
		fatal("chroot %s", dir);
	log_info("chrooted to %s", dir);
}

void
linux_confine(struct mxd *d)
{
	struct passwd *pw;
	uid_t r, e, s;
	uint64_t eff;
	bool named = (d->cfg.given & (1ULL << OPT_USER)) != 0;

	if (d->fakemx != NULL)
		drop_bind_cap();
	if (geteuid() != 0) {
		if (d->cfg.chroot_dir != NULL)
			fatalx("chroot %s needs root", d->cfg.chroot_dir);
		/*
		 * Started as a user already (systemd's User=): fine if it
		 * is the one named, an error rather than silence if not.
		 */
		if (named && ((pw = getpwnam(d->cfg.user)) == NULL ||
		    pw->pw_uid != geteuid()))
			fatalx("cannot switch to user %s: not started as root",
			    d->cfg.user);
		return;
	}
	/*
	 * A service manager may have taken the right to switch users
	 * already (systemd's CapabilityBoundingSet=CAP_NET_ADMIN).
	 */
	if (capget_effective(&eff) == -1 ||
	    (eff & (1ULL << CAP_SETUID | 1ULL << CAP_SETGID)) !=
	    (1ULL << CAP_SETUID | 1ULL << CAP_SETGID)) {
		if (named)
			fatalx("cannot switch to user %s: no CAP_SETUID or "
			    "CAP_SETGID", d->cfg.user);
		log_notice("no CAP_SETUID: staying root with the "
		    "capabilities given");
		if (d->cfg.chroot_dir != NULL)
			enter_chroot(d);
		return;
	}
	if ((pw = getpwnam(d->cfg.user)) == NULL) {
		if (named)
			fatalx("user %s does not exist", d->cfg.user);
		log_notice("user %s does not exist: running as root",
		    d->cfg.user);
		if (d->cfg.chroot_dir != NULL)
			enter_chroot(d);
		return;
	}
	if (pw->pw_uid == 0)
		fatalx("user %s is root: name an unprivileged user",
		    d->cfg.user);
	prepare_state_dir(d, pw);
	if (d->cfg.chroot_dir != NULL)
		enter_chroot(d);
	shrink_bounding_set();
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1)
		fatal("keep capabilities");
	if (setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1)
		fatal("cannot drop privileges to %s", d->cfg.user);
	if (capset_only(KEPT_CAP) == -1)
		fatal("cannot keep CAP_NET_ADMIN");
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) == -1 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("prctl");
	/* Check, rather than trust, the result. */
	if (getresuid(&r, &e, &s) == -1 || r != pw->pw_uid ||
	    e != pw->pw_uid || s != pw->pw_uid ||
	    capget_effective(&eff) == -1 || eff != 1ULL << KEPT_CAP)
		fatalx("privileges not dropped as intended");
	log_info("running as %s with CAP_NET_ADMIN only", d->cfg.user);
}
