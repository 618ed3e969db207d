/**
 * Acts on each named container (or volume) in turn, printing its reference on success as docker does; a failure
 * is one line on stderr and makes the exit status 1, but the remaining ones are still handled.
 */
export async function each(references: string[], action: (reference: string) => Promise<void>): Promise<void> {
  const { describeError } = await import('../errors.js');
  for (const reference of references) {
    try {
      await action(reference);
      process.stdout.write(`${reference}\n`);
    } catch (error) {
      process.stderr.write(`skiff: ${describeError(error)}\n`);
      process.exitCode = 1;
    }
  }
}
