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
    for (const argv of [[], ['help', 'run'], ['--help'], ['--help', 'run']]) {
      expect(names(argv)).toEqual(expect.arrayContaining(['run', 'create', 'start', 'rm', 'ps', 'system', 'cleanup']));
    }
  });

  // Regression (chaos run): `skiff statr --help` printed the program's help and exited 0.
  it('refuses an unknown command, with or without --help after it (exit 1, as docker)', () => {
    for (const argv of [['statr'], ['statr', '--help'], ['--root', '/r', 'statr', '-h']]) {
      expect(() => names(argv)).toThrow(/^unknown command: skiff statr$/);
    }
  });

  it('refuses an unknown subcommand of a group (volume, image, system, container), with or without --help', () => {
    for (const argv of [['volume', 'nosuch'], ['volume', 'nosuch', '--help'], ['--root', '/r', 'system', '-h', 'nosuch']]) {
      expect(() => names(argv)).toThrow(/^unknown command: skiff (volume|system) nosuch$/);
    }
    expect(names(['volume', 'ls', '--help'])).toEqual(['volume']);
    expect(names(['volume', '--help'])).toEqual(['volume']);
  });

  it("each command's --help lists exactly the options it defines", () => {
    const program = createProgram(['node', 'skiff']);
    for (const command of program.commands) {
      const help = command.helpInformation();
      for (const option of command.options) expect(help, `${command.name()} --help`).toContain(option.long!);
    }
  });
});
