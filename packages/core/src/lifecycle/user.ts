import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { invalidArgument, notFound, resolveInRoot } from '@skiff/plugin';

export interface UserIds {
  uid: number;
  gid: number;
}

/** Who a process runs as (docker's `-u USER[:GROUP]`): each a name or a decimal number. */
export interface UserRequest {
  user: string;
  /** Default: the user's group in /etc/passwd (group 0 for a number without an entry). */
  group?: string | undefined;
}

/** An image config's User (`name`, `uid`, `user:group`; OCI image spec), or undefined when it names none. */
export function imageUser(text: string | undefined): UserRequest | undefined {
  if (!text) return undefined;
  const colon = text.indexOf(':');
  return colon < 0 ? { user: text } : { user: text.slice(0, colon), group: text.slice(colon + 1) };
}

/**
 * Resolves a user and group (names or numbers) against the container's own /etc/passwd and /etc/group, read
 * below `root` (e.g. /proc/PID/root) without following symlinks out of it.
 */
export async function resolveUser(root: string, request: UserRequest): Promise<UserIds> {
  const { user, group } = request;
  // How the user wrote it, for messages.
  const spec = group === undefined ? user : `${user}:${group}`;
  if (typeof user !== 'string' || !user || /[:\0]/.test(user) || (group !== undefined && (typeof group !== 'string' || /[:\0]/.test(group)))) {
    throw invalidArgument(`invalid user ${JSON.stringify(spec)}: expected USER[:GROUP], names or numbers`);
  }
  const passwd = await table(root, '/etc/passwd');
  let uid: number;
  let gid: number;
  if (DIGITS.test(user)) {
    // docker: a numeric user takes the group of its passwd entry, or group 0 when there is no usable one.
    uid = id(user, spec);
    const entryGid = passwd.find((fields) => fields[2] === user)?.[3];
    gid = entryGid !== undefined && DIGITS.test(entryGid) && Number(entryGid) <= MAX_ID ? Number(entryGid) : 0;
  } else {
    const entry = passwd.find((fields) => fields[0] === user);
    if (!entry) throw notFound(`unable to find user ${JSON.stringify(user)}: no matching entries in the container's /etc/passwd`);
    uid = id(entry[2], spec);
    gid = id(entry[3], spec);
  }
  if (group !== undefined) {
    if (DIGITS.test(group)) gid = id(group, spec);
    else {
      const entry = (await table(root, '/etc/group')).find((fields) => fields[0] === group);
      if (!entry) throw notFound(`unable to find group ${JSON.stringify(group)}: no matching entries in the container's /etc/group`);
      gid = id(entry[2], spec);
    }
  }
  return { uid, gid };
}

/**
 * HOME as docker sets it: the user's home in the container's /etc/passwd; without an entry, /root for root
 * and / for anyone else. Only a plain absolute path is taken (the container's file decides it).
 */
export async function userHome(root: string, uid: number): Promise<string> {
  const home = (await table(root, '/etc/passwd')).find((fields) => fields[2] === String(uid))?.[5];
  if (home && /^\/[^\0\n]*$/.test(home)) return home;
  return uid === 0 ? '/root' : '/';
}

/** --group-add: group names (the container's /etc/group) or numbers, without duplicates. */
export async function resolveGroups(root: string, names: string[]): Promise<number[]> {
  const groups = new Set<number>();
  let table_: string[][] | undefined;
  for (const name of names) {
    if (typeof name !== 'string' || !name || /[:\0]/.test(name)) throw invalidArgument(`invalid group ${JSON.stringify(name)} for --group-add: a name or a number`);
    if (DIGITS.test(name)) {
      groups.add(id(name, name));
      continue;
    }
    table_ ??= await table(root, '/etc/group');
    const entry = table_.find((fields) => fields[0] === name);
    if (!entry) throw notFound(`unable to find group ${JSON.stringify(name)}: no matching entries in the container's /etc/group`);
    groups.add(id(entry[2], name));
  }
  return [...groups];
}

const DIGITS = /^\d{1,10}$/;
const MAX_ID = 0xfffffffe;

/** A uid or gid field: decimal digits only (an empty or odd field must never turn into 0, i.e. root). */
function id(field: string | undefined, spec: string): number {
  const value = Number(field);
  if (field === undefined || !DIGITS.test(field) || value > MAX_ID) {
    throw invalidArgument(`invalid user ${JSON.stringify(spec)}: the container's passwd/group entry has a bad id ${JSON.stringify(field ?? '')}`);
  }
  return value;
}

/** Largest passwd/group file read: the container controls it, so it could be huge or endless (/dev/zero). */
const MAX_TABLE = 1024 * 1024;

async function table(root: string, path: string): Promise<string[][]> {
  // O_NONBLOCK: a FIFO planted at the path must not hang us; anything but a regular file reads as empty.
  // Sync: a few small reads on `run`'s path, cheaper than thread-pool round trips (and than loading node:fs/promises on Bun).
  let fd: number;
  try {
    fd = openSync(resolveInRoot(root, path), constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch {
    return [];
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) return [];
    const buffer = Buffer.alloc(Math.min(info.size, MAX_TABLE));
    const bytesRead = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer
      .subarray(0, bytesRead)
      .toString('utf8')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => line.split(':'));
  } finally {
    closeSync(fd);
  }
}
