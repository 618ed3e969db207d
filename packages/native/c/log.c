/*
 * The detached container's log file. Binary-safe records, appended one after another (keep in sync with
 * parseLogRecords in src/log-format.ts, which documents the format too):
 *
 *   <stream> <unix-time-ns> <length>\n<length bytes>
 *
 * stream is 'o' (stdout) or 'e' (stderr; with a tty everything is 'o'); the numbers are decimal. One record
 * per read from the container, written by one writev() on an O_APPEND fd. Rotation: when a write leaves the
 * file larger than max, log.N-1 → log.N, ..., log → log.1 (renaming over log.keep drops the oldest), and a
 * fresh log is opened; so a record is never split across files, and readers (`skiff logs -f`) notice the
 * rotation by the inode change.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"

static int open_log(struct log *log)
{
	log->fd = open(log->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	struct stat st;
	log->size = log->fd >= 0 && fstat(log->fd, &st) == 0 ? (unsigned long long)st.st_size : 0;
	return log->fd;
}

void log_open(struct log *log, const char *path, unsigned long long max, unsigned keep)
{
	log->path = path;
	log->max = max;
	log->keep = keep;
	log->fd = -1;
	log->size = 0;
	if (path && open_log(log) < 0)
		bail("open log %s", path);
}

static void rotate(struct log *log)
{
	/* Shift the kept files up by one. ENOENT is fine: there have not been that many rotations yet. */
	for (unsigned i = log->keep; i > 1; i--) {
		char *from = xasprintf("%s.%u", log->path, i - 1), *to = xasprintf("%s.%u", log->path, i);
		(void)rename(from, to);
		free(from);
		free(to);
	}
	if (log->keep) {
		char *to = xasprintf("%s.1", log->path);
		(void)rename(log->path, to);
		free(to);
	} else {
		(void)unlink(log->path);
	}
	close(log->fd);
	open_log(log); /* on failure output is dropped until a later write manages to open it */
}

/* Best effort: a full disk loses output, but must never block or kill the container. */
void log_write(struct log *log, char stream, const void *buf, size_t len)
{
	if (!log->path || (log->fd < 0 && open_log(log) < 0))
		return;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	char header[64];
	int n = snprintf(header, sizeof header, "%c %llu %zu\n", stream,
			 (unsigned long long)now.tv_sec * 1000000000ULL + (unsigned long long)now.tv_nsec, len);
	struct iovec iov[2] = { { .iov_base = header, .iov_len = n }, { .iov_base = (void *)buf, .iov_len = len } };
	size_t total = n + len;
	ssize_t done;
	do
		done = writev(log->fd, iov, 2);
	while (done < 0 && errno == EINTR);
	if (done >= 0 && (size_t)done < total) {
		/* A short write (disk nearly full): finish the record, or cut it off so the file stays parseable. */
		size_t off = done;
		int ok = off >= (size_t)n ? write_all(log->fd, (const char *)buf + (off - n), total - off) == 0
					 : write_all(log->fd, header + off, n - off) == 0 && write_all(log->fd, buf, len) == 0;
		if (!ok) {
			(void)!ftruncate(log->fd, log->size);
			return;
		}
		done = total;
	}
	if (done < 0)
		return;
	log->size += total;
	if (log->max && log->size > log->max)
		rotate(log);
}
