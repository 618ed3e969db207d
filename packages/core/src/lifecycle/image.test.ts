import { describe, expect, it } from 'vitest';
import { containerArgs } from './image.js';

describe("docker's Entrypoint/Cmd combination", () => {
  const image = { entrypoint: ['/bin/app', '--flag'], cmd: ['serve'] };
  it.each([
    ['image entrypoint + image cmd', image, undefined, undefined, ['/bin/app', '--flag', 'serve']],
    ['arguments replace cmd, not the entrypoint', image, ['run', 'x'], undefined, ['/bin/app', '--flag', 'run', 'x']],
    ['--entrypoint drops the image cmd', image, undefined, ['/bin/sh'], ['/bin/sh']],
    ["--entrypoint '' leaves the arguments", image, ['echo', 'hi'], [], ['echo', 'hi']],
    ['no entrypoint: cmd alone', { cmd: ['sh'] }, undefined, undefined, ['sh']],
    ['no entrypoint, arguments', { cmd: ['sh'] }, ['ls'], undefined, ['ls']],
  ] as const)('%s', (_what, config, args, entrypoint, expected) => {
    expect(containerArgs(config as never, args as string[] | undefined, entrypoint as string[] | undefined)).toEqual(expected);
  });
});
