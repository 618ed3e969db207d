import { describe, expect, it } from 'vitest';
import { commandName, createProgram } from './program.js';

describe('commandName', () => {
  it('skips global options and their values', () => {
    expect(commandName(['run', '--rm', 'busybox'])).toBe('run');
    expect(commandName(['--root', '/r', '--run-root', '/rr', 'ps', '-a'])).toBe('ps');
    expect(commandName(['--root=/r', '--plugin', 'x', '--plugin', 'y', 'rm', 'c'])).toBe('rm');
    expect(commandName(['--version'])).toBeUndefined();
    expect(commandName(['-h', 'run'])).toBeUndefined();
    expect(commandName(['run', '-h'])).toBe('run');
    expect(commandName([])).toBeUndefined();
  });
});

describe('createProgram', () => {
  const names = (argv: string[]) => createProgram(['node', 'skiff', ...argv]).commands.map((command) => command.name());

  it('defines only the command typed', () => {
    expect(names(['run', 'busybox'])).toEqual(['run']);
    expect(names(['--root', '/r', 'system', 'prune'])).toEqual(['system']);
  });

  it('defines every command for help, no command, or an unknown name', () => {
    for (const argv of [[], ['help', 'run'], ['--help'], ['--help', 'run'], ['statr']]) {
      expect(names(argv)).toEqual(expect.arrayContaining(['run', 'create', 'start', 'rm', 'ps', 'system', 'cleanup']));
    }
  });
});
