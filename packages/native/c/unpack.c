/*
 * skiff-helper unpack LAYERDIR: the parts of unpacking an image layer that Node cannot do (mknod, setxattr).
 *
 * TypeScript extracts a layer's regular files, directories and links itself (packages/image/src/tar.ts), then
 * runs this with one operation per line on stdin, paths relative to LAYERDIR:
 *
 *   w PATH                          overlay whiteout at PATH: a character device 0/0 (an OCI `.wh.NAME`)
 *   o PATH                          PATH is an opaque directory: trusted.overlay.opaque=y (an OCI `.wh..wh..opq`)
 *   n MODE MAJOR MINOR UID GID PATH a device node or FIFO (MODE in octal, file type bits included)
 *   x NAME HEXVALUE PATH            set the extended attribute NAME (security.capability or user.*) on the
 *                                   regular file PATH (a layer's SCHILY.xattr PAX record); sent after ownership
 *                                   is final, since chown clears security.capability
 *
 * (PATH runs to the end of the line, so it may hold spaces; the caller refuses paths with a newline.)
 *
 * Every path is walked from LAYERDIR one component at a time with O_NOFOLLOW|O_DIRECTORY, so a symlink planted
 * in the layer can never make an operation land outside it; missing parent directories are created 0755.
 * Absolute paths, '..' and empty paths are refused. The first failure stops with one line on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "helper.h"

/* Opens directory PATH (relative, '/'-separated, NUL-terminated) under DIRFD, creating missing components. */
static int open_dir_under(int dirfd, const char *path, const char *what)
{
	int fd = dup(dirfd);
	if (fd < 0)
		bail("dup");
	char *copy = xstrdup(path), *save = NULL;
	for (char *part = strtok_r(copy, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
		if (!strcmp(part, "."))
			continue;
		if (!strcmp(part, ".."))
			bailx("%s %s: a '..' component is not allowed", what, path);
		if (mkdirat(fd, part, 0755) < 0 && errno != EEXIST)
			bail("%s %s: mkdir %s", what, path, part);
		int next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			bail("%s %s: open %s (a symlink or not a directory?)", what, path, part);
		close(fd);
		fd = next;
	}
	free(copy);
	return fd;
}

/* Refuses what is not a plain relative path: the caller checked already; this is the last line of defence. */
static void check_relative(const char *path, const char *what)
{
	if (path[0] == '\0' || path[0] == '/')
		bailx("%s %s: the path must be relative and not empty", what, path);
	for (const char *p = path; (p = strstr(p, "..")); p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			bailx("%s %s: a '..' component is not allowed", what, path);
}

/* Splits PATH into its parent directory (opened) and last component (returned, inside PATH). */
static int open_parent(int layer, char *path, const char **name, const char *what)
{
	check_relative(path, what);
	char *slash = strrchr(path, '/');
	*name = slash ? slash + 1 : path;
	if (!**name || !strcmp(*name, ".") || !strcmp(*name, ".."))
		bailx("%s %s: the last component is not a name", what, path);
	if (!slash)
		return open_dir_under(layer, ".", what);
	*slash = '\0';
	int fd = open_dir_under(layer, path, what);
	*slash = '/';
	return fd;
}

static void make_node(int layer, char *path, mode_t mode, dev_t dev, const char *what)
{
	const char *name;
	int parent = open_parent(layer, path, &name, what);
	if (mknodat(parent, name, mode, dev) < 0)
		bail("%s %s", what, path);
	close(parent);
}

static int hex_value(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* x NAME HEX PATH: the file is opened O_PATH|O_NOFOLLOW under its walked parent and must be a regular file; the
 * xattr is set through /proc/self/fd, so it lands on exactly the inode checked. */
static void set_xattr(int layer, char *arg)
{
	char *hex = strchr(arg, ' ');
	char *path = hex ? strchr(hex + 1, ' ') : NULL;
	if (!path)
		bailx("unpack: malformed xattr operation \"%s\"", arg);
	*hex++ = '\0';
	*path++ = '\0';
	if (strcmp(arg, "security.capability") && strncmp(arg, "user.", 5))
		bailx("xattr %s on %s: only security.capability and user.* are applied", arg, path);
	size_t digits = strlen(hex);
	if (digits % 2 || digits > 2 * 65536)
		bailx("xattr %s on %s: malformed value", arg, path);
	unsigned char *value = malloc(digits / 2 + 1);
	if (!value)
		bail("malloc");
	for (size_t i = 0; i < digits / 2; i++) {
		int high = hex_value(hex[2 * i]), low = hex_value(hex[2 * i + 1]);
		if (high < 0 || low < 0)
			bailx("xattr %s on %s: malformed value", arg, path);
		value[i] = (unsigned char)(high << 4 | low);
	}
	const char *name;
	int parent = open_parent(layer, path, &name, "xattr");
	int fd = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		bail("xattr %s: open %s", arg, path);
	if (!S_ISREG(st.st_mode))
		bailx("xattr %s: %s is not a regular file", arg, path);
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	if (setxattr(proc, arg, value, digits / 2, 0) < 0)
		bail("xattr %s on %s", arg, path);
	free(value);
	close(fd);
	close(parent);
}

int cmd_unpack(const char *layer_path)
{
	int layer = open(layer_path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (layer < 0)
		bail("open layer %s", layer_path);
	char *line = NULL;
	size_t size = 0;
	ssize_t n;
	while ((n = getline(&line, &size, stdin)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (n < 3 || line[1] != ' ')
			bailx("unpack: malformed operation \"%s\"", line);
		char *arg = line + 2;
		if (line[0] == 'w') {
			make_node(layer, arg, S_IFCHR | 0, makedev(0, 0), "whiteout");
		} else if (line[0] == 'o') {
			check_relative(arg, "opaque directory");
			int fd = open_dir_under(layer, arg, "opaque directory");
			if (fsetxattr(fd, "trusted.overlay.opaque", "y", 1, 0) < 0)
				bail("opaque directory %s: set trusted.overlay.opaque", arg);
			close(fd);
		} else if (line[0] == 'n') {
			unsigned int mode, major_number, minor_number, uid, gid;
			int used = -1;
			if (sscanf(arg, "%o %u %u %u %u %n", &mode, &major_number, &minor_number, &uid, &gid, &used) != 5 || used < 0)
				bailx("unpack: malformed node operation \"%s\"", arg);
			char *path = arg + used;
			if (!S_ISCHR(mode) && !S_ISBLK(mode) && !S_ISFIFO(mode))
				bailx("node %s: mode %o is not a device or FIFO", path, mode);
			make_node(layer, path, mode, makedev(major_number, minor_number), "node");
			const char *name;
			int parent = open_parent(layer, path, &name, "node");
			/* mknod applied the umask; chown before chmod, which would otherwise drop setuid-like bits */
			if (fchownat(parent, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 || fchmodat(parent, name, mode & 07777, 0) < 0)
				bail("node %s: set owner and mode", path);
			close(parent);
		} else if (line[0] == 'x') {
			set_xattr(layer, arg);
		} else {
			bailx("unpack: unknown operation '%c'", line[0]);
		}
	}
	free(line);
	close(layer);
	return 0;
}
