/*
 * `run -it` detach keys (docker's Ctrl-P Ctrl-Q): the foreground helper watches the terminal's input for the
 * plan's sequence. Bytes that may begin it are held back until it is clear whether they do; on a mismatch the
 * longest tail that still begins it stays held, the rest goes on. When the sequence is complete the helper stops
 * relaying the terminal and carries on as the container's supervisor (supervise.c: supervise_adopt): the CLI
 * exits, the container runs on, `skiff attach` reaches it.
 */
#include <string.h>

#include "helper.h"

static unsigned char keys[DETACH_KEYS_MAX];
static size_t n_keys, matched;

void detach_keys_set(const unsigned char *bytes, size_t n)
{
	memcpy(keys, bytes, n);
	n_keys = n;
	matched = 0;
}

int detach_keys_active(void)
{
	return n_keys > 0;
}

/* Filters N bytes at BUF + DETACH_KEYS_MAX into BUF (the output never overtakes the input: at most the
 * DETACH_KEYS_MAX held bytes are added). Returns the bytes to pass on; *detached once the sequence is typed. */
size_t detach_keys_filter(char *buf, size_t n, int *detached)
{
	const unsigned char *in = (const unsigned char *)buf + DETACH_KEYS_MAX;
	size_t out = 0;
	*detached = 0;
	for (size_t i = 0; i < n; i++) {
		if (in[i] == keys[matched]) {
			if (++matched == n_keys) {
				*detached = 1;
				matched = 0;
				return out;
			}
			continue;
		}
		/* held = keys[0..matched) + in[i]: keep its longest tail that is a prefix of keys */
		unsigned char held[DETACH_KEYS_MAX + 1];
		memcpy(held, keys, matched);
		held[matched] = in[i];
		size_t len = matched + 1, from = 1;
		while (from < len && memcmp(held + from, keys, len - from))
			from++;
		memcpy(buf + out, held, from);
		out += from;
		matched = len - from;
	}
	return out;
}
