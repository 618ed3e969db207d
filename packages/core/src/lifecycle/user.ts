import { readFile } from 'node:fs/promises';
import { invalidArgument, notFound } from '../plugin/errors.js';
import { resolveInRoot } from '../plugin/fs-safety.js';

export interface UserIds {
  uid: number;
  gid: number;
}

/**
 * Resolves docker's `-u USER[:GROUP]` (names or numbers) against the container's own /etc/passwd and /etc/group,
 * read below `root` (e.g. /proc/PID/root) without following symlinks out of it.
 */
export async function resolveUser(root: string, spec: string): Promise<UserIds> {
  const [user = '', group] = spec.split(':');
  if (!user || spec.split(':').length > 2) throw invalidArgument(`invalid user "${spec}": expected USER[:GROUP], names or numbers`);
  const passwd = await table(root, '/etc/passwd');
  let uid: number;
  let gid: number;
  if (/^\d+$/.test(user)) {
    uid = Number(user);
    gid = Number(passwd.find((fields) => fields[2] === user)?.[3] ?? user);
  } else {
    const entry = passwd.find((fields) => fields[0] === user);
    if (!entry) throw notFound(`unable to find user ${user}: no matching entries in the container's /etc/passwd`);
    uid = Number(entry[2]);
    gid = Number(entry[3]);
  }
  if (group !== undefined) {
    if (/^\d+$/.test(group)) gid = Number(group);
    else {
      const entry = (await table(root, '/etc/group')).find((fields) => fields[0] === group);
      if (!entry) throw notFound(`unable to find group ${group}: no matching entries in the container's /etc/group`);
      gid = Number(entry[2]);
    }
  }
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid > 0xfffffffe || gid > 0xfffffffe) {
    throw invalidArgument(`invalid user "${spec}": uid and gid must be numbers below 4294967295`);
  }
  return { uid, gid };
}

async function table(root: string, path: string): Promise<string[][]> {
  const text = await readFile(resolveInRoot(root, path), 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line && !line.startsWith('#')).map((line) => line.split(':'));
}
