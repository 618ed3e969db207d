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

  it('refuses what it cannot apply, in one line', () => {
    expect(() => applyChanges(base, ['RUN rm -rf /'])).toThrow(/RUN is not a valid change command/);
    expect(() => applyChanges(base, ['EXPOSE 80'])).toThrow(/EXPOSE is not supported/);
    expect(() => applyChanges(base, ['CMD'])).toThrow(/CMD requires at least one argument/);
    expect(() => applyChanges(base, ['VOLUME data'])).toThrow(/must be absolute/);
    expect(() => applyChanges(base, ['ENV A=1 "B'])).toThrow(/KEY=VALUE/);
    expect(() => applyChanges(base, [''])).toThrow(/invalid change/);
  });
});
