/*
 * SKIFF_TRACE=1: the helper prints how long its own steps took, for `pnpm bench`, as lines
 * `skiff-trace-span <step> <ms>` on stderr (a duration, unlike the CLI's `skiff-trace <phase> <ms since start>`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helper.h"

long long monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int tracing(void)
{
	const char *trace = getenv("SKIFF_TRACE");
	return trace && !strcmp(trace, "1");
}

void trace_span(const char *step, long long start_ns)
{
	if (tracing())
		fprintf(stderr, "skiff-trace-span %s %.3f\n", step, (monotonic_ns() - start_ns) / 1e6);
}
