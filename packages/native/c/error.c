/* Failing: one message (to stderr, or from a child to its parent on the status pipe), then the exit code. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helper.h"

int status_fd = -1;
void (*fail_hook)(int code);

/* Writes one message to stderr, or in a child to the parent, then exits with CODE (or hands over to the
 * fail hook). The child uses _exit: it must not run the parent's atexit handlers (terminal restore, kill). */
__attribute__((noreturn)) static void finish(int code, const char *text)
{
	if (status_fd >= 0) {
		struct status_msg msg = { .code = code };
		snprintf(msg.text, sizeof msg.text, "%s", text);
		/* One write of less than PIPE_BUF bytes: the parent reads the message whole. */
		(void)write_all(status_fd, &msg, sizeof msg);
		if (!fail_hook)
			_exit(code);
	}
	if (fail_hook)
		fail_hook(code);
	terminal_restore();
	report_error(text);
	fprintf(stderr, "skiff: %s\n", text);
	exit(code);
}

void bail(const char *fmt, ...)
{
	int saved = errno;
	char text[sizeof ((struct status_msg *)0)->text];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof text)
		snprintf(text + n, sizeof text - n, ": %s", strerror(saved));
	finish(EXIT_SETUP, text);
}

__attribute__((noreturn, format(printf, 2, 0))) static void vfail(int code, const char *fmt, va_list ap)
{
	char text[sizeof ((struct status_msg *)0)->text];
	vsnprintf(text, sizeof text, fmt, ap);
	finish(code, text);
}

void bailx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(EXIT_SETUP, fmt, ap);
}

void fail_with(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(code, fmt, ap);
}

void warnx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("skiff: warning: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
