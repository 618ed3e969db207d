/*
 * The plan's mount records. Every target inside the container is resolved beneath the rootfs with openat2
 * RESOLVE_IN_ROOT, so a symlink in the image ("/data -> /../../etc") can never send a mount, or a directory
 * we create, outside the root. The mount is then made onto /proc/self/fd/N of the resolved O_PATH fd, which
 * names exactly the inode we resolved (no second path walk that a symlink swap could redirect).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helper.h"

#define PROPAGATION (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)
/* mount(2) copies its data into one page: keep in sync with MOUNT_DATA_MAX in packages/plugin/src/mount-options.ts. */
#define MOUNT_DATA_MAX 4095

const char *fd_path(int fd, char buf[32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
	return buf;
}

/* An O_PATH fd of PATH beneath rootfd, or -1 with errno (nothing is created). */
int open_in_root(int rootfd, const char *path)
{
	/* NO_MAGICLINKS: a /proc/self/root-style link in the path must not jump out of the root either. */
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd;
	do
		fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
	while (fd < 0 && errno == EAGAIN);
	return fd;
}

/*
 * Opens TARGET (absolute, in-container) beneath rootfd and returns an O_PATH fd. Missing components are
 * created as we walk (directories 0755; with CREATE_FILE the last one as an empty file). mkdirat/openat
 * with O_EXCL never follow a final symlink, so creating cannot escape; a dangling symlink is expanded by hand
 * and the walk restarts, still resolved in the root.
 */
int resolve_in_root(int rootfd, const char *target, enum create create)
{
	char *path = xstrdup(target);
	for (int hops = 0; hops < 40; hops++) {
		int fd = open_in_root(rootfd, path);
		if (fd >= 0 || errno != ENOENT || create == CREATE_NONE) {
			if (fd < 0)
				bail("resolve %s", target);
			free(path);
			return fd;
		}
		/* Walk from the root to the first missing component, then create it. */
		char *done = xstrdup("/");
		int dirfd = open_in_root(rootfd, "/");
		char *rest = path, *expanded = NULL;
		while (*rest && !expanded) {
			while (*rest == '/')
				rest++;
			if (!*rest)
				break;
			size_t len = strcspn(rest, "/");
			char *name = xasprintf("%.*s", (int)len, rest);
			rest += len;
			char *next = xasprintf("%s/%s", strcmp(done, "/") ? done : "", name);
			int nextfd = open_in_root(rootfd, next);
			if (nextfd < 0 && errno == ENOENT) {
				int last = !rest[strspn(rest, "/")];
				int rc = (last && create == CREATE_FILE)
						 ? openat(dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644)
						 : mkdirat(dirfd, name, 0755);
				if (rc >= 0 && last && create == CREATE_FILE)
					close(rc);
				if (rc < 0 && errno != EEXIST)
					bail("create %s in %s", name, target);
				if (rc < 0) {
					/* EEXIST yet ENOENT on open: a dangling symlink. Splice its target into the path. */
					char link[4096];
					ssize_t n = readlinkat(dirfd, name, link, sizeof link - 1);
					if (n >= 0) {
						link[n] = '\0';
						expanded = link[0] == '/' ? xasprintf("%s%s", link, rest)
									  : xasprintf("%s/%s%s", done, link, rest);
					}
				}
				nextfd = open_in_root(rootfd, next);
			}
			free(name);
			if (!expanded) {
				if (nextfd < 0)
					bail("resolve %s", target);
				close(dirfd);
				dirfd = nextfd;
				free(done);
				done = next;
			} else {
				if (nextfd >= 0)
					close(nextfd);
				free(next);
			}
		}
		close(dirfd);
		free(done);
		if (expanded) {
			free(path);
			path = expanded;
		}
	}
	errno = ELOOP;
	bail("resolve %s", target);
}

static int at_or_below(const char *path, const char *dir)
{
	size_t len = strlen(dir);
	return !strncmp(path, dir, len) && (path[len] == '\0' || path[len] == '/');
}

/*
 * /proc and /sys hold what the plan's masks and read-only paths cover (/proc/sys, /proc/kcore, /sys/firmware).
 * Those are resolved later, after other mounts, and an image symlink can make the two resolutions differ:
 * with /proc -> /sys/x/../../p, proc is mounted on /p while /sys is still the image's directory, and once
 * sysfs covers /sys, /proc/sys no longer resolves: every mask is skipped and /proc/sys stays writable (a
 * container root then sets kernel.core_pattern, which the host runs). So, as runc, a mount on /proc or /sys or
 * below goes on an ordinary directory: no symlink anywhere in its target. Call after resolve_in_root (which
 * creates what is missing); returns FD, or bails.
 */
static int refuse_symlinked_system_target(int rootfd, const char *target, int fd)
{
	if (!at_or_below(target, "/proc") && !at_or_below(target, "/sys"))
		return fd;
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS };
	int plain;
	do
		plain = (int)syscall(SYS_openat2, rootfd, target, &how, sizeof how);
	while (plain < 0 && errno == EAGAIN);
	if (plain < 0 && errno == ELOOP)
		bailx("mount on %s: the image has a symlink in that path; /proc and /sys must be ordinary directories", target);
	if (plain < 0)
		bail("resolve %s", target);
	close(fd);
	return plain;
}

/* Re-opens the target after a mount so the fd names the new mount, not the directory it now covers. */
static int reopen(int rootfd, const char *rootfs, const char *target)
{
	if (rootfd < 0) {
		int fd = open(rootfs, O_PATH | O_CLOEXEC);
		if (fd < 0)
			bail("open %s", rootfs);
		return fd;
	}
	return resolve_in_root(rootfd, target, CREATE_NONE);
}

/* mount_setattr(2) attributes of the flags a recursive bind may carry (MS_RDONLY and the like). */
static unsigned long long mount_attrs(unsigned long flags)
{
	return (flags & MS_RDONLY ? MOUNT_ATTR_RDONLY : 0) | (flags & MS_NOSUID ? MOUNT_ATTR_NOSUID : 0) |
	       (flags & MS_NODEV ? MOUNT_ATTR_NODEV : 0) | (flags & MS_NOEXEC ? MOUNT_ATTR_NOEXEC : 0);
}

/*
 * A bind that takes flags (ro, nosuid, nodev, noexec) made as a detached copy whose flags are set before it is
 * attached on target_fd (Linux 5.12: open_tree, mount_setattr, move_mount). Setting them afterwards means
 * finding the new mount again by its path, and a container that shares a directory on that path (a volume
 * nested in a volume it also has) can swap it meanwhile: the flags then land on another mount, and a :ro
 * volume stays writable. Returns 0 (nothing done) on an older kernel or flags mount_setattr cannot set.
 */
static int bind_with_flags(const char *source, int target_fd, const struct mount_spec *m, unsigned long flags)
{
	if (flags & ~(unsigned long)(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC))
		return 0;
	int tree = (int)syscall(SYS_open_tree, AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (m->flags & MS_REC ? AT_RECURSIVE : 0));
	if (tree < 0 && errno == ENOSYS)
		return 0;
	if (tree < 0)
		bail("mount bind %s on %s", m->source, m->target);
	struct mount_attr attr = { .attr_set = mount_attrs(flags) };
	if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | (m->options & MOUNT_RECURSIVE ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0) {
		if (errno != ENOSYS)
			bail("set the flags of %s", m->target);
		close(tree);
		return 0;
	}
	if (syscall(SYS_move_mount, tree, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		bail("mount bind %s on %s", m->source, m->target);
	close(tree);
	return 1;
}

/*
 * An overlay whose options do not fit mount(2)'s one page of data (an image of ~90+ layers): the new mount API
 * takes them one by one, each lower dir as its own "lowerdir+" (Linux 6.8), so no string has to hold them all.
 * Options are key=value words joined by ','; lowerdir's ':'-separated list is split (layer paths never contain
 * ',' ':' or '\\', see the overlay storage driver). Returns -1 with errno when the kernel lacks it.
 */
static int mount_overlay_by_parts(const char *data, int target_fd, unsigned long flags)
{
	int fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -1;
	char *copy = xstrdup(data);
	int rc = 0;
	for (char *save = NULL, *word = strtok_r(copy, ",", &save); word && rc == 0; word = strtok_r(NULL, ",", &save)) {
		char *value = strchr(word, '=');
		if (value)
			*value++ = '\0';
		if (value && !strcmp(word, "lowerdir")) {
			for (char *inner = NULL, *dir = strtok_r(value, ":", &inner); dir && rc == 0; dir = strtok_r(NULL, ":", &inner))
				rc = (int)syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir+", dir, 0);
		} else {
			rc = (int)syscall(SYS_fsconfig, fs, value ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, word, value, 0);
		}
	}
	free(copy);
	if (rc == 0)
		rc = (int)syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
	int mnt = rc == 0 ? (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, (unsigned int)mount_attrs(flags)) : -1;
	int saved = errno;
	close(fs);
	if (mnt < 0) {
		errno = saved;
		return -1;
	}
	rc = (int)syscall(SYS_move_mount, mnt, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
	saved = errno;
	close(mnt);
	errno = saved;
	return rc;
}

/*
 * Performs one mount record. rootfd < 0 means the root mount, made on the host path ROOTFS; any other
 * target is resolved beneath rootfd. A bind mount ignores every flag but MS_REC, so flags like MS_RDONLY take
 * a second step: MS_REMOUNT|MS_BIND on the new mount (with MOUNT_RECURSIVE, mount_setattr with
 * AT_RECURSIVE, so the mounts below the bind get them too). Propagation changes cannot be combined with
 * anything else and also take their own call.
 */
void mount_in_root(int rootfd, const char *rootfs, const struct mount_spec *m)
{
	char where[32];
	unsigned long prop = m->flags & PROPAGATION;
	unsigned long rec = m->flags & MS_REC;
	int bind = (m->flags & MS_BIND) != 0;
	const char *fstype = m->fstype[0] ? m->fstype : NULL;
	const char *what = bind ? "bind" : m->fstype;

	/* A host source is opened once, without following symlinks, and mounted from that fd (hostpath.c). */
	char from[32];
	int srcfd = m->host_source ? open_host_path(m->source, m->host_create_mode) : -1;
	const char *source = srcfd >= 0 ? fd_path(srcfd, from) : m->source;

	int fd;
	if (rootfd < 0) {
		fd = reopen(rootfd, rootfs, m->target);
	} else {
		struct stat st;
		int file = bind && (srcfd >= 0 ? fstat(srcfd, &st) : stat(m->source, &st)) == 0 && !S_ISDIR(st.st_mode);
		fd = resolve_in_root(rootfd, m->target, file ? CREATE_FILE : CREATE_DIR);
		fd = refuse_symlinked_system_target(rootfd, m->target, fd);
	}

	if (bind) {
		unsigned long rest = m->flags & ~(MS_BIND | MS_REC | PROPAGATION);
		if (rest && bind_with_flags(source, fd, m, rest)) {
			rest = 0; /* attached with its flags already set */
		} else if (mount(source, fd_path(fd, where), NULL, MS_BIND | rec, NULL) < 0) {
			bail("mount bind %s on %s", m->source, m->target);
		}
		if (srcfd >= 0)
			close(srcfd);
		if (rest) {
			close(fd);
			fd = reopen(rootfd, rootfs, m->target);
			struct mount_attr attr = { .attr_set = mount_attrs(rest) };
			if (!(m->options & MOUNT_RECURSIVE) ||
			    syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0) {
				/* Kernels before 5.12 lack mount_setattr: only the top mount can take the flags. */
				if ((m->options & MOUNT_RECURSIVE) && errno != ENOSYS)
					bail("set the flags of %s recursively", m->target);
				if (mount(NULL, fd_path(fd, where), NULL, MS_REMOUNT | MS_BIND | rest, NULL) < 0)
					bail("remount %s on %s", what, m->target);
			}
		}
	} else {
		int fds[8];
		size_t n_fds = 0;
		char *data = m->host_opts ? host_path_options(m->data, m->host_opts, fds, 8, &n_fds) : m->data;
		int rc = fstype && !strcmp(fstype, "overlay") && strlen(data) > MOUNT_DATA_MAX
				 ? mount_overlay_by_parts(data, fd, m->flags & ~PROPAGATION)
				 : mount(m->source, fd_path(fd, where), fstype, m->flags & ~PROPAGATION, data[0] ? data : NULL);
		int mount_errno = errno;
		for (size_t i = 0; i < n_fds; i++)
			close(fds[i]);
		if (data != m->data)
			free(data);
		if (rc < 0) {
			int saved = mount_errno;
			close(fd);
			errno = saved;
			if ((m->options & MOUNT_OPTIONAL) && errno == ENODEV)
				return;
			/* A sysfs shows the network namespace of its mounter; the kernel refuses one of a namespace we do
			 * not own (EPERM). Then show the host's /sys, read-only all the way down, as runc does. */
			if (fstype && !strcmp(fstype, "sysfs") && errno == EPERM) {
				struct mount_spec host = { .source = "/sys", .target = m->target, .fstype = "", .data = "",
							   .flags = MS_BIND | MS_REC | (m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)),
							   .options = MOUNT_RECURSIVE };
				mount_in_root(rootfd, rootfs, &host);
				return;
			}
			bail("mount %s on %s", what, m->target);
		}
	}
	if (prop) {
		close(fd);
		fd = reopen(rootfd, rootfs, m->target);
		if (mount(NULL, fd_path(fd, where), NULL, prop | rec, NULL) < 0)
			bail("set propagation of %s", m->target);
	}
	close(fd);
}

/*
 * First step in the new mount namespace. The namespace starts as a copy of the host's, and on systemd hosts
 * "/" is shared: every mount below would propagate back to the host, and pivot_root refuses (EINVAL) a
 * shared root. Making everything private cuts both.
 */
void make_root_private(const struct plan *plan)
{
	/* OCI rootfsPropagation [r]slave (runc's default): receive the host's mounts, still never send ours. */
	unsigned long type = plan->root_propagation & MS_SLAVE ? MS_SLAVE : MS_PRIVATE;
	if (mount(NULL, "/", NULL, MS_REC | type, NULL) < 0)
		bail("make / %s", type == MS_SLAVE ? "rslave" : "rprivate");
}

/* After pivot_root: the propagation the plan asks for on the container's "/". Every mount of the namespace is
 * private or a slave by now, so a shared "/" is a peer group of the container's own mounts only. */
void set_root_propagation(const struct plan *plan)
{
	if (plan->root_propagation && mount(NULL, "/", NULL, plan->root_propagation, NULL) < 0)
		bail("set the propagation of /");
}

/* Mounts the root filesystem (the plan's first operation) on the host path rootfs and returns an O_PATH fd of it. */
int mount_root(const struct plan *plan)
{
	mount_in_root(-1, plan->rootfs, &plan->ops[0].mount);
	int rootfd = open(plan->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		bail("open %s", plan->rootfs);
	return rootfd;
}
