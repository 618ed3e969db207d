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
          Mounts: [
            { Type: 'bind', Source: '/srv/a', Target: '/a', ReadOnly: true, BindOptions: null },
            { Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1 << 20, Mode: 0o1777 } },
          ],
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
      mount: ['type=bind,source=/srv/a,target=/a,readonly', 'type=tmpfs,target=/t,tmpfs-size=1048576,tmpfs-mode=1777'],
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

  it('maps ports, restart, labels, health, limits, namespaces and networking; zero values pass', () => {
    const request = parseCreateBody(
      {
        Image: 'busybox',
        Labels: { team: 'a', 'x.y': 'b=c' },
        ExposedPorts: { '80/tcp': {}, '9000/udp': {} },
        Healthcheck: { Test: ['CMD', 'true'], Interval: 2_000_000_000, Retries: 3 },
        StopSignal: 'SIGINT',
        StopTimeout: 5,
        Volumes: { '/cache': {} },
        HostConfig: {
          PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }, { HostIp: '', HostPort: '' }] },
          PublishAllPorts: true,
          RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 },
          Sysctls: { 'net.ipv4.ip_forward': '1' },
          Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }],
          ShmSize: 1 << 20,
          GroupAdd: ['audio'],
          PidMode: 'host',
          IpcMode: 'shareable',
          OomKillDisable: true,
          NetworkMode: 'front',
          Dns: ['10.0.0.2'],
          DnsSearch: ['example.test'],
          DnsOptions: ['ndots:2'],
          ExtraHosts: ['db:10.0.0.3'],
          LogConfig: { Type: 'json-file', Config: { 'max-size': '1m' } },
          MemorySwappiness: -1,
          BlkioWeight: 0,
          ConsoleSize: [24, 80],
        },
        NetworkingConfig: { EndpointsConfig: { front: { Aliases: ['web'], IPAMConfig: null } } },
      },
      undefined,
    );
    expect(request.flags).toMatchObject({
      publish: ['127.0.0.1:8080:80/tcp', '80/tcp', '9000/udp'],
      publishAll: true,
      restart: 'on-failure:2',
      label: ['team=a', 'x.y=b=c'],
      sysctl: ['net.ipv4.ip_forward=1'],
      ulimit: ['nofile=1024:2048'],
      shmSize: String(1 << 20),
      groupAdd: ['audio'],
      pid: 'host',
      ipc: 'shareable',
      oomKillDisable: true,
      network: 'front',
      networkAlias: ['web'],
      dns: ['10.0.0.2'],
      dnsSearch: ['example.test'],
      dnsOption: ['ndots:2'],
      addHost: ['db:10.0.0.3'],
      stopSignal: 'SIGINT',
      stopTimeout: '5',
      volume: ['/cache'],
      logOpt: ['max-size=1m'],
    });
    expect(request.healthcheck).toEqual({ test: ['CMD', 'true'], intervalMs: 2000, retries: 3 });
  });

  it.each([
    [{}, /Config.Image is required/],
    [{ Image: 'busybox', Cmd: [1] }, /Cmd must be a list of strings/],
    [{ Image: 'busybox', HostConfig: { PortBindings: { 'x/tcp': [{ HostPort: '8080' }] } } }, /invalid port specification/],
    [{ Image: 'busybox', HostConfig: { BlkioWeight: 300 } }, /HostConfig.BlkioWeight is not supported by skiff/],
    [{ Image: 'busybox', HostConfig: { Mounts: [{ Type: 'bind', Source: '/a', Target: '/b', BindOptions: { Propagation: 'shared' } }] } }, /Mounts\[0\].BindOptions is not supported/],
    [{ Image: 'busybox', HostConfig: { LogConfig: { Type: 'syslog', Config: {} } } }, /LogConfig.Type "syslog" is not supported/],
    [{ Image: 'busybox', MacAddress: '02:42:ac:11:00:02' }, /Config.MacAddress is not supported/],
    [{ Image: 'busybox', NetworkingConfig: { EndpointsConfig: { a: {}, b: {} } } }, /one network at create/],
    [{ Image: 'busybox', NetworkingConfig: { EndpointsConfig: { a: { IPAMConfig: { IPv4Address: '10.0.0.9' } } } }, HostConfig: { NetworkMode: 'a' } }, /IPAMConfig is not supported/],
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
