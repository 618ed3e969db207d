// The create body → docker run flags mapping (no root): what each field becomes, and what is refused.
import { describe, expect, it } from 'vitest';
import { parseCreateBody } from './create-body.js';

describe('parseCreateBody', () => {
  it("maps Config and HostConfig onto docker run's flags", () => {
    const request = parseCreateBody(
      {
        Image: 'busybox',
        Cmd: ['sh', '-c', 'true'],
        Entrypoint: [''],
        Env: ['A=1', 'B=x=y', 'BARE'],
        WorkingDir: '/srv',
        User: '1000:1000',
        Tty: true,
        OpenStdin: true,
        HostConfig: {
          Binds: ['/srv/data:/data:ro'],
          Mounts: [{ Type: 'bind', Source: '/srv/a', Target: '/a', ReadOnly: true }],
          AutoRemove: true,
          Memory: 64 * 1024 * 1024,
          MemorySwap: -1,
          NanoCpus: 1_500_000_000,
          NetworkMode: 'default',
          RestartPolicy: { Name: 'no' },
          Privileged: false,
          CapAdd: ['NET_ADMIN'],
          CapDrop: ['ALL'],
          ReadonlyRootfs: true,
          Tmpfs: { '/run': 'size=1m' },
          PortBindings: {},
        },
      },
      'web',
    );
    expect(request).toMatchObject({ image: 'busybox', args: ['sh', '-c', 'true'], entrypoint: [], env: { A: '1', B: 'x=y' } });
    expect(request.flags).toMatchObject({
      name: 'web',
      tty: true,
      interactive: true,
      rm: true,
      workdir: '/srv',
      user: '1000:1000',
      volume: ['/srv/data:/data:ro'],
      mount: ['type=bind,source=/srv/a,target=/a,readonly'],
      memory: String(64 * 1024 * 1024),
      memorySwap: '-1',
      cpus: '1.5',
      capAdd: ['NET_ADMIN'],
      capDrop: ['ALL'],
      readOnly: true,
      tmpfs: ['/run:size=1m'],
      pull: 'never',
    });
  });

  it.each([
    [{}, /Config.Image is required/],
    [{ Image: 'busybox', Cmd: [1] }, /Cmd must be a list of strings/],
    [{ Image: 'busybox', HostConfig: { PortBindings: { '80/tcp': [{ HostPort: '8080' }] } } }, /port publishing is not supported/],
    [{ Image: 'busybox', HostConfig: { RestartPolicy: { Name: 'always' } } }, /RestartPolicy "always" is not supported/],
    [{ Image: 'busybox', HostConfig: { Memory: -5 } }, /Memory must be a whole number/],
    [{ Image: 'busybox', HostConfig: 'x' }, /HostConfig must be an object/],
    [{ Image: 'busybox', Env: ['=x'] }, /invalid environment entry/],
  ])('refuses %j with a 400', (body, message) => {
    let error: unknown;
    try {
      parseCreateBody(body, undefined);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ status: 400, message: expect.stringMatching(message) });
  });
});
