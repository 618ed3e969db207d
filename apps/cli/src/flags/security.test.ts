import { describe, expect, it } from 'vitest';
import { parseCapabilities, parseDevice, parseSecurityOpt, parseTmpfs, parseUser } from './security.js';

describe('--cap-add / --cap-drop', () => {
  it('accepts the names users write, with or without CAP_, in any case; ALL in any case', () => {
    expect(parseCapabilities(['net_admin', 'SYS_ADMIN', ' cap_chown ', 'all'], '--cap-add')).toEqual(['CAP_NET_ADMIN', 'CAP_SYS_ADMIN', 'CAP_CHOWN', 'ALL']);
  });

  it('names the flag and the unknown capability', () => {
    expect(() => parseCapabilities(['FLY'], '--cap-add')).toThrow('--cap-add: unknown capability "FLY"');
    expect(() => parseCapabilities(['toString'], '--cap-drop')).toThrow('--cap-drop: unknown capability "toString"'); // not a prototype property
  });
});

describe('--security-opt', () => {
  it('no-new-privileges (last one wins) and seccomp=unconfined, with = or :', () => {
    expect(parseSecurityOpt([])).toEqual({});
    expect(parseSecurityOpt(['no-new-privileges'])).toEqual({ noNewPrivileges: true });
    expect(parseSecurityOpt(['no-new-privileges:true', 'no-new-privileges=false', 'seccomp:unconfined'])).toEqual({ noNewPrivileges: false, seccomp: 'unconfined' });
    expect(() => parseSecurityOpt(['apparmor=x'])).toThrow('unsupported --security-opt "apparmor=x": use no-new-privileges or seccomp=unconfined');
  });
});

describe('--tmpfs', () => {
  it('PATH[:OPTIONS] into a normalised target and option words', () => {
    expect(parseTmpfs('/run')).toEqual({ target: '/run', options: [] });
    expect(parseTmpfs('//scratch/:size=1m,,exec')).toEqual({ target: '/scratch/', options: ['size=1m', 'exec'] });
  });

  it('refuses relative paths, "..", / and odd options', () => {
    expect(() => parseTmpfs('relative')).toThrow(`invalid --tmpfs "relative": "relative" must be an absolute path without '..'`);
    expect(() => parseTmpfs('/a/../b')).toThrow(/without '\.\.'/);
    expect(() => parseTmpfs('/')).toThrow('invalid --tmpfs "/": cannot mount over /');
    expect(() => parseTmpfs('/x:size=1m;rm')).toThrow(/options are a comma list/);
  });
});

describe('--device', () => {
  it('HOST[:CONTAINER[:PERMISSIONS]]', () => {
    expect(parseDevice('/dev/null')).toEqual({ hostPath: '/dev/null', containerPath: '/dev/null', permissions: 'rwm' });
    expect(parseDevice('/dev/null:/dev/x:r')).toEqual({ hostPath: '/dev/null', containerPath: '/dev/x', permissions: 'r' });
    expect(() => parseDevice('/dev/null:/dev/x:rx')).toThrow(/expected HOST\[:CONTAINER\[:PERMISSIONS\]\]/);
    expect(() => parseDevice('/a:/b:r:extra')).toThrow(/expected HOST/);
    expect(() => parseDevice('null')).toThrow(`invalid --device "null": "null" must be an absolute path without '..'`);
    expect(() => parseDevice('/dev/nope:/dev/x')).toThrow('invalid --device "/dev/nope:/dev/x": /dev/nope does not exist on this host');
    expect(() => parseDevice('/etc/passwd:/dev/x')).toThrow('invalid --device "/etc/passwd:/dev/x": /etc/passwd is not a device node');
  });
});

describe('-u', () => {
  it('USER[:GROUP]', () => {
    expect(parseUser('bob')).toEqual({ user: 'bob' });
    expect(parseUser('1000:100')).toEqual({ user: '1000', group: '100' });
    expect(parseUser('bob:')).toEqual({ user: 'bob', group: '' });
    expect(() => parseUser(':g')).toThrow('invalid user ":g": expected USER[:GROUP], names or numbers');
    expect(() => parseUser('a:b:c')).toThrow(/expected USER\[:GROUP\]/);
  });
});
