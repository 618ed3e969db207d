/**
 * The signals a caller forwards to a container (or an exec'd process) it runs in the foreground: what a user
 * or a supervisor sends to stop or poke it. Keep in sync with `forwarded_signals` in c/signals.c, which the
 * helper forwards the same way (test/constants.test.ts checks that they match).
 */
export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const satisfies readonly NodeJS.Signals[];
