/*
 * The container's own view of the system: /proc, /dev (and the plan's extra device nodes), /sys inside the
 * new root, then pivot_root into it. Every mountpoint is resolved (and created if the image lacks it)
 * beneath the root, like volumes.
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

/* mount(2) onto an in-container path; returns 0, or -1 with errno when the caller wants to decide. */
static int mount_in(int rootfd, const char *source, const char *target, const char *fstype, unsigned long flags,
		    const char *data)
{
	char where[32];
	int fd = resolve_in_root(rootfd, target, CREATE_DIR);
	int rc = mount(source, fd_path(fd, where), fstype, flags, data);
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

void mount_proc(int rootfd)
{
	/* A fresh proc: we are PID 1 of a new pid namespace, so it lists only the container's processes. */
	if (mount_in(rootfd, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		bail("mount proc on /proc");
	/* What in it reaches the whole host (/proc/sys, /proc/sysrq-trigger, /proc/kcore, ...) the plan's
	 * readonly and mask records cover (paths.c). */
}

static void device_node(int devfd, const char *name, unsigned int major, unsigned int minor)
{
	if (mknodat(devfd, name, S_IFCHR | 0666, makedev(major, minor)) < 0)
		bail("mknod /dev/%s", name);
}

static void device_link(int devfd, const char *name, const char *to)
{
	if (symlinkat(to, devfd, name) < 0)
		bail("symlink /dev/%s", name);
}

void mount_dev(int rootfd)
{
	/* A private tmpfs, not the host's devtmpfs: the container sees only the few devices we create. */
	if (mount_in(rootfd, "tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k") < 0)
		bail("mount tmpfs on /dev");
	int devfd = resolve_in_root(rootfd, "/dev", CREATE_NONE);
	device_node(devfd, "null", 1, 3);
	device_node(devfd, "zero", 1, 5);
	device_node(devfd, "full", 1, 7);
	device_node(devfd, "random", 1, 8);
	device_node(devfd, "urandom", 1, 9);
	device_node(devfd, "tty", 5, 0);
	device_link(devfd, "fd", "/proc/self/fd");
	device_link(devfd, "stdin", "/proc/self/fd/0");
	device_link(devfd, "stdout", "/proc/self/fd/1");
	device_link(devfd, "stderr", "/proc/self/fd/2");
	/* Programs open /dev/ptmx; it must reach the container's own devpts instance, not the host's. */
	device_link(devfd, "ptmx", "pts/ptmx");
	close(devfd);

	/* newinstance: a devpts of our own, so the container sees only its ptys and gets /dev/pts/0 first. */
	if (mount_in(rootfd, "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		     "newinstance,ptmxmode=0666,mode=0620,gid=5") < 0)
		bail("mount devpts on /dev/pts");
	if (mount_in(rootfd, "shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k") < 0)
		bail("mount tmpfs on /dev/shm");
	/* POSIX message queues of our own IPC namespace; optional, as on kernels built without mqueue. */
	if (mount_in(rootfd, "mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 &&
	    errno != ENODEV)
		bail("mount mqueue on /dev/mqueue");
}

/* The plan's extra device nodes (--device). An existing entry of that name is replaced (unlinkat never follows
 * a symlink, and the parent directory was resolved inside the root). Whether the container may open the
 * node is up to its devices cgroup. */
void make_devices(int rootfd, const struct plan *plan)
{
	for (size_t i = 0; i < plan->n_devices; i++) {
		const struct device_spec *d = &plan->devices[i];
		char *parent = xstrdup(d->path);
		char *name = strrchr(parent, '/');
		*name++ = '\0';
		int dirfd = resolve_in_root(rootfd, parent[0] ? parent : "/", CREATE_DIR);
		if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
			bail("replace %s", d->path);
		if (mknodat(dirfd, name, d->type | d->mode, makedev(d->major, d->minor)) < 0)
			bail("mknod %s", d->path);
		close(dirfd);
		free(parent);
	}
}

void mount_sys(int rootfd, int net_host)
{
	unsigned long flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	/* With our own network namespace a fresh sysfs shows only our interfaces (/sys/class/net is per netns). */
	if (!net_host) {
		if (mount_in(rootfd, "sysfs", "/sys", "sysfs", flags, NULL) == 0)
			return;
		if (errno != EPERM)
			bail("mount sysfs on /sys");
	}
	/* Sharing the host's network: show the host's /sys, read-only all the way down (AT_RECURSIVE). */
	char where[32];
	if (mount_in(rootfd, "/sys", "/sys", NULL, MS_BIND | MS_REC, NULL) < 0)
		bail("bind /sys");
	int fd = resolve_in_root(rootfd, "/sys", CREATE_NONE);
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
						       MOUNT_ATTR_NOEXEC };
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0) {
		/* Kernels before 5.12: only the top mount can be made read-only. */
		if (errno != ENOSYS || mount(NULL, fd_path(fd, where), NULL, MS_REMOUNT | MS_BIND | flags, NULL) < 0)
			bail("make /sys read-only");
	}
	close(fd);
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
