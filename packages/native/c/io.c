/* Reads and writes that survive EINTR, short writes and (writes) a non-blocking fd; closing all fds but some. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "helper.h"

/* A non-blocking fd (the caller's stdout may share Node's non-blocking file description) is waited for. */
int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EAGAIN) {
			struct pollfd wait = { .fd = fd, .events = POLLOUT };
			if (poll(&wait, 1, -1) < 0 && errno != EINTR)
				return -1;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

ssize_t read_retry(int fd, void *buf, size_t len)
{
	ssize_t n;
	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

static int by_number(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Closes every fd from 3 up but the n in keep (negative ones are ignored). Returns -1 if close_range fails. */
int close_fds_except(int *keep, size_t n)
{
	qsort(keep, n, sizeof *keep, by_number);
	unsigned int from = 3;
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < (int)from)
			continue;
		if ((unsigned int)keep[i] > from && close_range(from, keep[i] - 1, 0) < 0)
			return -1;
		from = keep[i] + 1;
	}
	return close_range(from, ~0U, 0);
}
