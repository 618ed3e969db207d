// `kill -s`: docker's signal syntax (`KILL`, `SIGKILL`, `9`) is also that of an image's StopSignal, which core
// reads at create time; one parser, in core, serves both.
export { parseSignal } from '@skiff/core';
