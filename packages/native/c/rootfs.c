/*
 * The container's root: the plan's filesystem operations carried out in order inside the new root, then
 * pivot_root into it and the working directory. Every path is resolved (and created if the image lacks it)
 * beneath the root (mounts.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "helper.h"

/* A file's place in the container: its parent directory, resolved (and created) beneath the root, and its name. */
struct entry {
	int dirfd;
	const char *name;
	char *copy;
};

static struct entry open_entry(int rootfd, const char *path)
{
	struct entry e = { .copy = xstrdup(path) };
	char *slash = strrchr(e.copy, '/');
	*slash = '\0';
	e.name = slash + 1;
	e.dirfd = resolve_in_root(rootfd, e.copy[0] ? e.copy : "/", CREATE_DIR);
	return e;
}

static void close_entry(struct entry *e)
{
	close(e->dirfd);
	free(e->copy);
}

/* `device` record. An existing entry of that name is replaced (unlinkat never follows a symlink). Whether the
 * container may open the node is up to its devices cgroup. */
static void make_device(int rootfd, const struct device_spec *d)
{
	struct entry e = open_entry(rootfd, d->path);
	if (unlinkat(e.dirfd, e.name, 0) < 0 && errno != ENOENT)
		bail("replace %s", d->path);
	if (mknodat(e.dirfd, e.name, d->type | d->mode, makedev(d->major, d->minor)) < 0)
		bail("mknod %s", d->path);
	close_entry(&e);
}

/* `symlink` record. symlinkat never follows an existing entry of that name; it fails on one. */
static void make_symlink(int rootfd, const char *path, const char *to)
{
	struct entry e = open_entry(rootfd, path);
	if (symlinkat(to, e.dirfd, e.name) < 0)
		bail("symlink %s", path);
	close_entry(&e);
}

/* `sysctl` record: the container's /proc/sys/KEY (dots are slashes, as sysctl(8) and runc read them), resolved
 * beneath the root like every other path, so it is the proc of the container's own namespaces. */
static void write_sysctl(int rootfd, const char *key, const char *value)
{
	char *path = xasprintf("/proc/sys/%s", key);
	for (char *p = path + 10; *p; p++)
		if (*p == '.')
			*p = '/';
	int fd = resolve_in_root(rootfd, path, CREATE_NONE);
	char buf[32];
	int wfd = fd < 0 ? -1 : open(fd_path(fd, buf), O_WRONLY | O_CLOEXEC);
	if (wfd < 0 || write_all(wfd, value, strlen(value)) < 0)
		bail("sysctl %s", key);
	close(wfd);
	close(fd);
	free(path);
}

/*
 * Builds the container's filesystem under plan->rootfs: the root mount, then every other operation of the
 * plan in its order (the plan holds /proc, /dev, /sys, volumes, devices, read-only paths and masks alike;
 * nothing is added here). Call once "/" is private (make_root_private).
 */
void build_rootfs(const struct plan *plan)
{
	int rootfd = mount_root(plan);
	for (size_t i = 1; i < plan->n_ops; i++) {
		const struct fs_op *op = &plan->ops[i];
		switch (op->kind) {
		case FS_MOUNT:
			mount_in_root(rootfd, plan->rootfs, &op->mount);
			break;
		case FS_DEVICE:
			make_device(rootfd, &op->device);
			break;
		case FS_SYMLINK:
			make_symlink(rootfd, op->symlink.path, op->symlink.to);
			break;
		case FS_READONLY:
			readonly_path(rootfd, op->path);
			break;
		case FS_MASK:
			mask_path(rootfd, op->path);
			break;
		case FS_SYSCTL:
			write_sysctl(rootfd, op->sysctl.key, op->sysctl.value);
			break;
		}
	}
	close(rootfd);
}

/*
 * Makes the mounted rootfs our "/". pivot_root(".", ".") stacks the old root on top of the new one at the
 * same place, so no directory inside the image is needed to park it (the image may be read-only); the
 * umount2 then detaches that old root, the last way back to host files. MNT_DETACH because host processes
 * keep it busy. The unmount cannot propagate to the host: everything was made private first.
 */
void enter_root(const char *rootfs)
{
	if (chdir(rootfs) < 0)
		bail("chdir %s", rootfs);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		bail("pivot_root %s", rootfs);
	if (umount2(".", MNT_DETACH) < 0)
		bail("detach the old root");
	if (chdir("/") < 0)
		bail("chdir /");
}

/* Like docker, create the working directory if the image lacks it. After pivot_root, paths cannot leave
 * the root, so a plain walk is safe here. */
void enter_cwd(const char *cwd)
{
	char *path = xstrdup(cwd);
	for (char *p = path + 1;; p++) {
		if (*p == '/' || !*p) {
			char c = *p;
			*p = '\0';
			if (mkdir(path, 0755) < 0 && errno != EEXIST)
				bail("create working directory %s", cwd);
			*p = c;
			if (!c)
				break;
		}
	}
	if (chdir(cwd) < 0)
		bail("chdir %s", cwd);
	free(path);
}
