// Which of process.stdout and process.stderr a command touched. In the CLI's bundle every `process.stdout` and
// `process.stderr` (skiff's code and its libraries' alike) reads these getters instead (tsup.config.ts defines
// them so and injects this file). Under Bun the first read of either makes a stream, ~4 ms each and ~10 with
// node:stream not loaded yet, and the flush at exit (main.ts) made them for commands that wrote nothing of their
// own: `skiff run` writes none (the helper relays the container's output on the inherited fds).
const opened = { stdout: false, stderr: false };

export const skiffStdio = {
  get stdout(): NodeJS.WriteStream {
    opened.stdout = true;
    return globalThis.process.stdout;
  },
  get stderr(): NodeJS.WriteStream {
    opened.stderr = true;
    return globalThis.process.stderr;
  },
  /** Whether the stream was read through these getters (outside the bundle, where nothing is tracked: always). */
  opened: (name: 'stdout' | 'stderr'): boolean => opened[name] || !BUNDLED,
};

declare const __SKIFF_VERSION__: string | undefined;
const BUNDLED = typeof __SKIFF_VERSION__ !== 'undefined';
