/*
 * Host paths a container may race against. A volume's host directory can sit in a directory another
 * container has as a volume, which can swap any component for a symlink at any moment. So a host path is
 * opened once, component by component, never following a symlink (TypeScript sends the canonical path, so a
 * symlink met here was swapped in after the check: refused), and from then on used only through the fd:
 * missing directories are made with mkdirat and fixed with fchmod on an O_NOFOLLOW fd, and the mount's
 * source is /proc/self/fd/N. What was checked is what is mounted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper.h"

/* Makes directory NAME in dirfd with exactly MODE (whatever the umask). EEXIST is fine: the caller opens it
 * with O_NOFOLLOW next, which refuses a symlink; a directory someone else made keeps its own mode. */
static void make_dir(int dirfd, const char *name, mode_t mode, const char *path)
{
	if (mkdirat(dirfd, name, 0700) < 0) {
		if (errno == EEXIST)
			return;
		bail("create %s", path);
	}
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		bail("host path %s changed while it was being created", path);
	if (fchmod(fd, mode) < 0)
		bail("chmod %s", path);
	close(fd);
}

int open_host_path(const char *path, int create_mode)
{
	if (path[0] != '/')
		bailx("host path \"%s\" is not absolute", path);
	int dirfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		bail("open /");
	char *copy = xstrdup(path), *save = NULL;
	for (char *name = strtok_r(copy, "/", &save); name; name = strtok_r(NULL, "/", &save)) {
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			bailx("host path \"%s\" is not canonical", path);
		int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && create_mode >= 0) {
			make_dir(dirfd, name, (mode_t)create_mode, path);
			fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0)
			bail("open host path %s", path);
		struct stat st;
		if (fstat(fd, &st) < 0)
			bail("stat %s", path);
		if (S_ISLNK(st.st_mode))
			bailx("host path %s changed: a symlink appeared in it after it was checked; not following it", path);
		close(dirfd);
		dirfd = fd;
		if (!S_ISDIR(st.st_mode) && save && *save) {
			errno = ENOTDIR;
			bail("open host path %s", path);
		}
	}
	free(copy);
	return dirfd;
}

/*
 * The mount's data with the value of every option named in KEYS (comma-separated, "upperdir,workdir")
 * replaced by /proc/self/fd/N of that host path opened as above (no symlink followed; nothing created).
 * Overlayfs looks its upper and work dirs up with the magic link followed, so it gets exactly the opened
 * directories. The fds are appended to fds (*n_fds of them); close them after the mount. Returns a new string.
 */
char *host_path_options(const char *data, const char *keys, int *fds, size_t max_fds, size_t *n_fds)
{
	char *out = xstrdup(""), *copy = xstrdup(data), *save = NULL;
	for (char *opt = strtok_r(copy, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(opt, '=');
		char *value = opt;
		char fdbuf[32];
		if (eq) {
			size_t klen = (size_t)(eq - opt);
			int listed = 0;
			for (const char *k = keys; *k;) {
				size_t len = strcspn(k, ",");
				if (len == klen && !strncmp(k, opt, klen))
					listed = 1;
				k += len + (k[len] == ',');
			}
			if (listed) {
				if (*n_fds >= max_fds)
					bailx("plan: too many host path options in \"%s\"", data);
				int fd = open_host_path(eq + 1, -1);
				fds[(*n_fds)++] = fd;
				*eq = '\0';
				snprintf(fdbuf, sizeof fdbuf, "/proc/self/fd/%d", fd);
				value = xasprintf("%s=%s", opt, fdbuf);
			}
		}
		char *next = xasprintf("%s%s%s", out, *out ? "," : "", value);
		if (value != opt)
			free(value);
		free(out);
		out = next;
	}
	free(copy);
	return out;
}
