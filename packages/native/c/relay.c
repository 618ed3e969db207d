/*
 * The relay between the caller and the container (docker's attach): the container never gets a file
 * descriptor of the caller's. Its stdio are pipes (or the pty) owned by the helper, and the helper copies
 *   caller's stdin  ──▶ the container's stdin pipe (or the pty master); EOF closes the pipe
 *   container's stdout/stderr (or the master) ──▶ the caller's stdout/stderr and the log (log.c)
 * The foreground run and exec and the detached supervisor (no caller: the log only) share it.
 *
 * Input is read only once the previous chunk reached the container, and the container's side is
 * non-blocking, so a container that reads nothing can never stop its output from being drained. Writes to
 * the caller block (a slow reader slows the container, as with docker), but only the caller can cause that.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "helper.h"

int resize_fd = -1;

/* In .bss, so pages become resident only as reads fill them. The detached supervisor (no caller) reads 16 KiB at a
 * time and so keeps its memory small; a foreground relay takes 128 KiB at a time (fewer syscalls and log records:
 * measured ~2x the throughput of 16 KiB reads). */
static char out_buffer[131072], in_buffer[65536];
#define SUPERVISOR_READ 16384

/* "COLS ROWS\n" lines from the library's resize pipe (fd 5): the last complete one wins. */
static void read_resize(int fd, int master)
{
	char text[256];
	ssize_t n = read(fd, text, sizeof text - 1);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			close(fd);
			resize_fd = -1;
		}
		return;
	}
	text[n] = '\0';
	unsigned cols = 0, rows = 0;
	for (char *line = text; *line;) {
		unsigned c, r;
		if (sscanf(line, "%u %u", &c, &r) == 2)
			cols = c, rows = r;
		char *next = strchr(line, '\n');
		if (!next)
			break;
		line = next + 1;
	}
	if (cols && rows && master >= 0) {
		struct winsize ws = { .ws_row = rows, .ws_col = cols };
		ioctl(master, TIOCSWINSZ, &ws);
	}
}

/* The pty master serves both directions: it is closed once, at the end. */
static void close_side(const struct relay *r, int *fd)
{
	if (*fd >= 0 && *fd != r->master)
		close(*fd);
	*fd = -1;
}

int relay_run(struct relay *r)
{
	if (r->to_child >= 0)
		fcntl(r->to_child, F_SETFL, fcntl(r->to_child, F_GETFL) | O_NONBLOCK);
	if (r->master >= 0)
		fcntl(r->master, F_SETFL, fcntl(r->master, F_GETFL) | O_NONBLOCK);
	if (resize_fd >= 0)
		fcntl(resize_fd, F_SETFL, fcntl(resize_fd, F_GETFL) | O_NONBLOCK);

	int status = 0, exited = 0, out_ok = 1, err_ok = 1;
	size_t in_len = 0, in_off = 0;
	static const char stream[2] = { 'o', 'e' };
	while (r->out >= 0 || r->err >= 0) {
		struct pollfd p[6 + 1 + ATTACH_MAX + 1] = {
			{ .fd = r->wake, .events = POLLIN },
			{ .fd = r->out, .events = POLLIN },
			{ .fd = r->err, .events = POLLIN },
			{ .fd = !in_len && r->to_child >= 0 ? r->in : -1, .events = POLLIN },
			{ .fd = in_len ? r->to_child : -1, .events = POLLOUT },
			{ .fd = resize_fd, .events = POLLIN },
		};
		/* After a run's init exits the kernel has killed its pid namespace, so the pipes report EOF after
		 * their last byte and the timeout only guards against a writer smuggled out. An exec'd process may
		 * leave background processes holding the pipes: its output is taken until it goes quiet. */
		/* attach.c's socket and clients (the supervisor's), read only while no input is waiting */
		int n_fds = 6 + attach_pollfds(&p[6], !in_len);
		struct pollfd *health = &p[n_fds]; /* health.c's probe output (the supervisor's) */
		n_fds += health_pollfd(health);
		int rc = poll(p, n_fds, exited ? r->linger_ms : health_timeout_ms());
		if (rc < 0 && errno != EINTR)
			bail("poll");
		if (!exited)
			health_events(health);
		if (rc == 0 && exited)
			break;
		if (rc <= 0)
			continue;
		if (p[0].revents) {
			char drain[64];
			while (read(r->wake, drain, sizeof drain) > 0)
				;
		}
		if (got_sigwinch) {
			got_sigwinch = 0;
			if (r->master >= 0)
				terminal_copy_size(r->master);
		}
		if (got_sigchld && !exited) {
			got_sigchld = 0;
			if (waitpid(r->pid, &status, WNOHANG) == r->pid) {
				exited = 1;
				child_reaped();
				r->in = -1; /* nobody to read it any more */
			}
		}
		if (p[5].revents)
			read_resize(resize_fd, r->master);
		for (int i = 1; i <= 2; i++) {
			int *fd = i == 1 ? &r->out : &r->err;
			if (*fd < 0 || !p[i].revents)
				continue;
			ssize_t n = read(*fd, out_buffer, r->out_dest >= 0 ? sizeof out_buffer : SUPERVISOR_READ);
			if (n > 0) {
				log_write(r->log, stream[i - 1], out_buffer, n);
				attach_output(stream[i - 1], out_buffer, n);
				int *ok = i == 1 ? &out_ok : &err_ok;
				int dest = i == 1 ? r->out_dest : r->err_dest;
				/* A caller that stopped reading: keep draining, so the container never blocks on a full pipe. */
				if (dest >= 0 && *ok && write_all(dest, out_buffer, n) < 0)
					*ok = 0;
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				close_side(r, fd); /* EOF, or EIO from the pty master: every writer is gone */
			}
		}
		if (in_len && p[4].revents) {
			ssize_t n = write(r->to_child, in_buffer + in_off, in_len - in_off);
			if (n > 0) {
				in_off += n;
				if (in_off == in_len)
					in_len = in_off = 0;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				in_len = in_off = 0; /* the container closed its stdin: drop what it will never read */
				r->in = -1;
			}
		}
		if (!in_len) {
			size_t n = attach_events(&p[6], in_buffer, SUPERVISOR_READ);
			if (r->to_child >= 0)
				in_len = n; /* else the container has no stdin: dropped */
		}
		if (p[3].revents) {
			/* With detach keys the input is read after room for the bytes a partial match holds back. */
			int keys = detach_keys_active();
			ssize_t n = read(r->in, in_buffer + (keys ? DETACH_KEYS_MAX : 0), sizeof in_buffer - DETACH_KEYS_MAX);
			int detached = 0;
			if (n > 0 && keys)
				n = detach_keys_filter(in_buffer, n, &detached);
			if (detached) {
				in_len = n;
				r->detached = 1;
				supervise_adopt(r); /* the terminal is no longer ours; relaying goes on into the log */
			} else if (n > 0) {
				in_len = n;
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				/* EOF: a pipe passes it on by closing; a pty keeps its master (the container runs on). */
				r->in = -1;
				if (r->to_child != r->master)
					close_side(r, &r->to_child);
			}
		}
	}
	if (r->to_child >= 0)
		close_side(r, &r->to_child);
	if (r->master >= 0)
		close(r->master);
	/* A health probe still running must go before we wait for the init: the probe's command sits in the
	 * container's pid namespace, whose dying init waits until it is reaped, by the probe, which may be blocked
	 * writing output nobody reads now (seen: supervisor, init and probe waiting on each other for good). */
	if (!exited)
		health_stop();
	return exited ? status : child_wait();
}
