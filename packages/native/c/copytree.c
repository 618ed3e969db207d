/*
 * skiff-helper copy-tree SRC DST: copies the tree SRC into the existing empty directory DST, keeping what
 * overlayfs put in a writable layer (modes, owners, times, xattrs such as trusted.overlay.opaque, the 0:0
 * character devices that are its whiteouts, hard links). `skiff commit` copies a container's writable layer
 * with it.
 *
 * The layer may belong to a running container that swaps entries for symlinks while we walk (commit
 * --pause=false, or a process the freezer missed), so nothing is ever looked up by path: each entry is
 * opened relative to its directory's fd with O_NOFOLLOW, and must be the very inode fstatat saw (else it was
 * swapped: refused). A symlink is copied as a symlink, never followed; a special file is re-created with
 * mknodat, never opened. Nothing leaves SRC's filesystem.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "helper.h"

struct copy {
	dev_t dev;
	int dst_root;
	/* hard links seen: source inode -> path of the first copy, relative to dst_root */
	struct seen {
		ino_t ino;
		char *path;
	} *seen;
	size_t n_seen;
};

static char *join(const char *dir, const char *name)
{
	return *dir ? xasprintf("%s/%s", dir, name) : xstrdup(name);
}

/* Copies the xattrs of open file sfd onto dfd (trusted.overlay.opaque marks a directory that hides the lower). */
static void copy_xattrs(int sfd, int dfd, const char *path)
{
	char names[65536];
	ssize_t len = flistxattr(sfd, names, sizeof names);
	if (len < 0) {
		if (errno == ENOTSUP)
			return;
		bail("list xattrs of %s", path);
	}
	for (char *name = names; name < names + len; name += strlen(name) + 1) {
		char value[65536];
		ssize_t n = fgetxattr(sfd, name, value, sizeof value);
		if (n < 0)
			bail("read xattr %s of %s", name, path);
		if (fsetxattr(dfd, name, value, (size_t)n, 0) < 0 && errno != ENOTSUP)
			bail("write xattr %s of %s", name, path);
	}
}

/* Owner, then mode (chown clears setuid bits), xattrs and times of an open copy. */
static void copy_meta(int sfd, int dfd, const struct stat *st, const char *path)
{
	if (fchown(dfd, st->st_uid, st->st_gid) < 0)
		bail("chown %s", path);
	if (fchmod(dfd, st->st_mode & 07777) < 0)
		bail("chmod %s", path);
	copy_xattrs(sfd, dfd, path);
	struct timespec times[2] = { st->st_atim, st->st_mtim };
	if (futimens(dfd, times) < 0)
		bail("set times of %s", path);
}

/*
 * Opens NAME in sfd without following it; -1 unless it is the very inode fstatat reported (else it was swapped).
 * The name is first opened O_PATH, which never calls the file's open: a device node swapped in for a regular
 * file would otherwise be opened on the host, outside the container's devices cgroup, and some devices act on
 * open alone (a watchdog arms, a tape rewinds). Only the checked inode is opened for real, through
 * /proc/self/fd/N, which names exactly that inode.
 */
static int open_same(int sfd, const char *name, int flags, const struct stat *st)
{
	int path = openat(sfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat now;
	if (path < 0 || fstat(path, &now) < 0 || now.st_ino != st->st_ino || now.st_dev != st->st_dev) {
		if (path >= 0)
			close(path);
		return -1;
	}
	char proc[32];
	int fd = open(fd_path(path, proc), flags | O_CLOEXEC);
	close(path);
	return fd;
}

static void copy_data(int in, int out, const char *path)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			bail("read %s", path);
		if (n == 0)
			break;
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(out, buf + done, (size_t)(n - done));
			if (w < 0 && errno != EINTR)
				bail("write %s", path);
			if (w > 0)
				done += w;
		}
	}
}

static void copy_dir(struct copy *c, int sfd, int dfd, const char *rel);

/* A symlink, device, FIFO or socket: re-created, never opened; owner, mode and times set by name, unfollowed. */
static int copy_special(int sfd, int dfd, const char *name, const struct stat *st, const char *path)
{
	if (S_ISLNK(st->st_mode)) {
		char target[4097];
		ssize_t n = readlinkat(sfd, name, target, sizeof target - 1);
		if (n < 0)
			return -1; /* swapped for something else: the caller looks again */
		target[n] = '\0';
		if (symlinkat(target, dfd, name) < 0)
			bail("create link %s", path);
	} else if (mknodat(dfd, name, st->st_mode, st->st_rdev) < 0) {
		bail("create %s", path);
	}
	if (fchownat(dfd, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		bail("chown %s", path);
	if (!S_ISLNK(st->st_mode) && fchmodat(dfd, name, st->st_mode & 07777, 0) < 0)
		bail("chmod %s", path);
	struct timespec times[2] = { st->st_atim, st->st_mtim };
	if (utimensat(dfd, name, times, AT_SYMLINK_NOFOLLOW) < 0)
		bail("set times of %s", path);
	return 0;
}

/*
 * One entry. An entry swapped between fstatat and open (or readlink) is looked at again, a few times; one that
 * vanished is skipped (it is gone from the layer too); one that keeps changing fails the copy.
 */
static void copy_entry(struct copy *c, int sfd, int dfd, const char *name, const char *rel)
{
	char *path = join(rel, name);
	for (int attempt = 0;; attempt++) {
		if (attempt == 16)
			bailx("%s keeps changing while it is being copied; pause the container (commit without --pause=false)", path);
		struct stat st;
		if (fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				break;
			bail("stat %s", path);
		}
		if (st.st_dev != c->dev)
			bailx("%s is on another filesystem; not copying it", path);
		if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
			size_t i = 0;
			while (i < c->n_seen && c->seen[i].ino != st.st_ino)
				i++;
			if (i < c->n_seen) {
				if (linkat(c->dst_root, c->seen[i].path, dfd, name, 0) < 0)
					bail("link %s", path);
				break;
			}
		}
		if (S_ISDIR(st.st_mode)) {
			int in = open_same(sfd, name, O_RDONLY | O_DIRECTORY, &st);
			if (in < 0)
				continue;
			if (mkdirat(dfd, name, 0700) < 0)
				bail("create %s", path);
			int out = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (out < 0)
				bail("open %s", path);
			copy_dir(c, in, out, path);
			copy_meta(in, out, &st, path);
			close(in);
			close(out);
		} else if (S_ISREG(st.st_mode)) {
			int in = open_same(sfd, name, O_RDONLY | O_NONBLOCK, &st);
			if (in < 0)
				continue;
			int out = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (out < 0)
				bail("create %s", path);
			copy_data(in, out, path);
			copy_meta(in, out, &st, path);
			close(in);
			close(out);
		} else if (copy_special(sfd, dfd, name, &st, path) < 0) {
			continue;
		}
		if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
			c->seen = xrealloc(c->seen, (c->n_seen + 1) * sizeof *c->seen);
			c->seen[c->n_seen++] = (struct seen){ st.st_ino, xstrdup(path) };
		}
		break;
	}
	free(path);
}

static void copy_dir(struct copy *c, int sfd, int dfd, const char *rel)
{
	int listing = dup(sfd);
	DIR *dir = listing < 0 ? NULL : fdopendir(listing);
	if (!dir)
		bail("read %s", *rel ? rel : ".");
	struct dirent *entry;
	while ((errno = 0, entry = readdir(dir))) {
		if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, ".."))
			continue;
		copy_entry(c, sfd, dfd, entry->d_name, rel);
	}
	if (errno)
		bail("read %s", *rel ? rel : ".");
	closedir(dir);
}

int cmd_copy_tree(const char *src, const char *dst)
{
	umask(0);
	int sfd = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0)
		bail("open %s", src);
	int dfd = open(dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		bail("open %s", dst);
	struct stat st;
	if (fstat(sfd, &st) < 0)
		bail("stat %s", src);
	struct copy c = { .dev = st.st_dev, .dst_root = dfd };
	copy_dir(&c, sfd, dfd, "");
	copy_meta(sfd, dfd, &st, src);
	return 0;
}
