import { describe, expect, it } from 'vitest';
import { createProgram } from '../program.js';
import { normalizeBooleanFlags } from './booleans.js';

const normalize = (...args: string[]) => {
  const argv = ['node', 'skiff', ...args];
  return normalizeBooleanFlags(createProgram(argv), argv).slice(2);
};

describe('--flag=true|false forms (docker/pflag)', () => {
  it('rewrites boolean flags of the typed command, short and long', () => {
    expect(normalize('run', '--rm=true', '-d=false', '--interactive=1', '-t=0', 'busybox', 'sh')).toEqual(['run', '--rm', '--interactive', 'busybox', 'sh']);
    expect(normalize('--root', '/r', 'ps', '--all=true', '--no-trunc')).toEqual(['--root', '/r', 'ps', '--all', '--no-trunc']);
  });

  it("leaves option values and the container's own arguments alone", () => {
    expect(normalize('run', '--name', '--rm=false', 'busybox', 'prog', '--rm=false', '-d=true')).toEqual(['run', '--name', '--rm=false', 'busybox', 'prog', '--rm=false', '-d=true']);
    expect(normalize('exec', 'box', 'cmd', '-i=false')).toEqual(['exec', 'box', 'cmd', '-i=false']);
    expect(normalize('run', '--rm=maybe', 'busybox')).toEqual(['run', '--rm=maybe', 'busybox']);
    expect(normalize('run', '--', '--rm=false')).toEqual(['run', '--', '--rm=false']);
  });

  it('follows subcommands (volume ls)', () => {
    expect(normalize('volume', 'ls', '--quiet=true')).toEqual(['volume', 'ls', '--quiet']);
  });
});
