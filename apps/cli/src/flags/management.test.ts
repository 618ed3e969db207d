import { describe, expect, it } from 'vitest';
import { containerAliases } from './management.js';

const rewrite = (...args: string[]) => containerAliases(['node', 'skiff', ...args]).slice(2);

describe("docker's `container VERB` forms", () => {
  it('are the top-level commands', () => {
    expect(rewrite('container', 'ls', '-aq')).toEqual(['ps', '-aq']);
    expect(rewrite('--root', '/r', 'container', 'rm', '-f', 'x')).toEqual(['--root', '/r', 'rm', '-f', 'x']);
    expect(rewrite('container', 'inspect', 'x')).toEqual(['inspect', '--type', 'container', 'x']);
    expect(rewrite('container', 'run', '--rm', 'busybox', 'container', 'ls')).toEqual(['run', '--rm', 'busybox', 'container', 'ls']);
  });

  it('leave the group alone otherwise', () => {
    expect(rewrite('container', 'prune', '-f')).toEqual(['container', 'prune', '-f']);
    expect(rewrite('container', '--help')).toEqual(['container', '--help']);
    expect(rewrite('container', 'nosuch')).toEqual(['container', 'nosuch']);
    expect(rewrite('ps', 'container', 'ls')).toEqual(['ps', 'container', 'ls']);
  });
});
