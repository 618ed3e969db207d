import { describe, expect, it } from 'vitest';
import { applyChanges } from './change.js';

const base = { env: ['PATH=/bin'], cmd: ['sh'], workingDir: '/' };

describe('import -c (Dockerfile instructions)', () => {
  it('applies CMD/ENTRYPOINT in exec and shell form, ENV, LABEL, WORKDIR, USER, STOPSIGNAL, VOLUME in order', () => {
    const config = applyChanges(base, [
      'CMD ["echo", "hi"]',
      'ENTRYPOINT /bin/tini --',
      'ENV A=1 B="two words" PATH=/usr/bin',
      'ENV LEGACY value with spaces',
      "LABEL org.example='x y' plain=z",
      'WORKDIR /srv',
      'WORKDIR app',
      'user nobody',
      'STOPSIGNAL SIGQUIT',
      'VOLUME ["/data"]',
      'VOLUME /a /b',
    ]);
    expect(config).toEqual({
      cmd: ['echo', 'hi'],
      entrypoint: ['/bin/sh', '-c', '/bin/tini --'],
      env: ['A=1', 'B=two words', 'PATH=/usr/bin', 'LEGACY=value with spaces'],
      labels: { 'org.example': 'x y', plain: 'z' },
      workingDir: '/srv/app',
      user: 'nobody',
      stopSignal: 'SIGQUIT',
      volumes: ['/data', '/a', '/b'],
    });
    expect(base.env).toEqual(['PATH=/bin']);
  });

  it('EXPOSE into ExposedPorts (tcp by default, a range one key per port, no duplicates), ONBUILD into OnBuild', () => {
    const config = applyChanges(base, ['EXPOSE 80 53/udp', 'EXPOSE 8000-8002/TCP 80/tcp', 'ONBUILD RUN echo hi', 'onbuild COPY . /app']);
    expect(config.exposedPorts).toEqual(['80/tcp', '53/udp', '8000/tcp', '8001/tcp', '8002/tcp']);
    expect(config.onBuild).toEqual(['RUN echo hi', 'COPY . /app']);
  });

  it('refuses what it cannot apply, in one line', () => {
    expect(() => applyChanges(base, ['RUN rm -rf /'])).toThrow(/RUN is not a valid change command/);
    expect(() => applyChanges(base, ['EXPOSE 0'])).toThrow(/EXPOSE 0: use PORT/);
    expect(() => applyChanges(base, ['EXPOSE 80/icmp'])).toThrow(/EXPOSE 80\/icmp: use PORT/);
    expect(() => applyChanges(base, ['EXPOSE 90-80'])).toThrow(/use PORT/);
    expect(() => applyChanges(base, ['ONBUILD FROM busybox'])).toThrow(/FROM isn't allowed as an ONBUILD trigger/);
    expect(() => applyChanges(base, ['ONBUILD'])).toThrow(/ONBUILD requires at least one argument/);
    expect(() => applyChanges(base, ['CMD'])).toThrow(/CMD requires at least one argument/);
    expect(() => applyChanges(base, ['VOLUME data'])).toThrow(/must be absolute/);
    expect(() => applyChanges(base, ['ENV A=1 "B'])).toThrow(/KEY=VALUE/);
    expect(() => applyChanges(base, [''])).toThrow(/invalid change/);
  });
});
