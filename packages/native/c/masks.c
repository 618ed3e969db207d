/*
 * Paths of the container's view that are hidden or made read-only (docker's maskedPaths and readonlyPaths:
 * /proc/kcore, /proc/sys, /sys/firmware, ...), and the read-only root (--read-only). The plan lists the
 * paths; a path the kernel or the image does not have is skipped. Resolved beneath the root like every
 * other mount (mounts.c).
 */
#include <errno.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "helper.h"

/*
 * A bind remount sets the per-mount flags to exactly those given: leaving out nosuid, nodev or noexec would
 * clear them (on /proc, say). So the flags the mount has now are passed along, read back with statvfs.
 */
static unsigned long mount_flags(const char *path)
{
	static const struct {
		unsigned long st, ms;
	} map[] = {
		{ ST_NOSUID, MS_NOSUID },     { ST_NODEV, MS_NODEV },		{ ST_NOEXEC, MS_NOEXEC },
		{ ST_NOATIME, MS_NOATIME },   { ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
	};
	struct statvfs st;
	if (statvfs(path, &st) < 0)
		bail("statvfs %s", path);
	unsigned long flags = 0;
	for (size_t i = 0; i < sizeof map / sizeof *map; i++)
		if (st.f_flag & map[i].st)
			flags |= map[i].ms;
	return flags;
}

/* An O_PATH fd of an in-container path, or -1 if it does not exist (skipped, like runc). */
static int open_existing(int rootfd, const char *path)
{
	int fd = open_in_root(rootfd, path);
	if (fd < 0 && errno != ENOENT)
		bail("resolve %s", path);
	return fd;
}

/* Binds PATH onto itself, then remounts that bind read-only (a bind ignores MS_RDONLY on its first call).
 * MS_REC: mounts below the path come along, though they keep their own (writable) flags. */
void readonly_path(int rootfd, const char *path)
{
	char where[32];
	int fd = open_existing(rootfd, path);
	if (fd < 0)
		return;
	if (mount(fd_path(fd, where), where, NULL, MS_BIND | MS_REC, NULL) < 0)
		bail("bind %s", path);
	close(fd);
	fd = resolve_in_root(rootfd, path, CREATE_NONE); /* now names the new bind mount */
	unsigned long keep = mount_flags(fd_path(fd, where));
	if (mount(NULL, where, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | keep, NULL) < 0)
		bail("remount %s read-only", path);
	close(fd);
}

/* A file is covered by the container's /dev/null (reads are empty, writes vanish); a directory by an empty
 * read-only tmpfs. The path stays, so programs that stat it still work. */
void mask_path(int rootfd, const char *path)
{
	char where[32], from[32];
	int fd = open_existing(rootfd, path);
	if (fd < 0)
		return;
	struct stat st;
	if (fstat(fd, &st) < 0)
		bail("stat %s", path);
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", fd_path(fd, where), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=555") < 0)
			bail("mask %s", path);
	} else {
		int null = resolve_in_root(rootfd, "/dev/null", CREATE_NONE);
		if (mount(fd_path(null, from), fd_path(fd, where), NULL, MS_BIND, NULL) < 0)
			bail("mask %s", path);
		close(null);
	}
	close(fd);
}

/*
 * After pivot_root, once every mount is in place (a tmpfs or volume in the plan is mounted on the writable
 * root first). MS_REMOUNT|MS_BIND changes only this mount's flags, not the filesystem's: volumes, /dev,
 * /proc and the tmpfs mounts keep their own.
 */
void readonly_root(void)
{
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | mount_flags("/"), NULL) < 0)
		bail("remount / read-only");
}
