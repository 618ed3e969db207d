import { invalidArgument } from '@skiff/plugin';
import { parseExposed, type PortSpec } from '@skiff/network';

/** -P: the image's ExposedPorts ("80/tcp"), each to a free host port on every address. Unreadable keys are skipped. */
export function exposedPorts(keys: string[] | undefined): PortSpec[] {
  return (keys ?? []).flatMap((key) => {
    const port = parseExposed(key);
    return port ? [{ hostIp: '', hostPort: 0, ...port }] : [];
  });
}

/**
 * --expose PORT[-PORT][/PROTO] as ExposedPorts keys ("8000/tcp", "8001/tcp", ...); a bad value is one line, as
 * docker's "invalid range format for --expose".
 */
export function exposeKeys(spec: string): string[] {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?(?:\/(tcp|udp|sctp))?$/.exec(spec);
  const first = Number(match?.[1]);
  const last = match?.[2] === undefined ? first : Number(match[2]);
  if (!match || first < 1 || last > 65535 || last < first) {
    throw invalidArgument(`invalid range format for --expose: ${JSON.stringify(spec)}`, { hint: 'PORT[-PORT][/tcp|/udp], e.g. 80 or 8000-8010/udp' });
  }
  const protocol = match[3] ?? 'tcp';
  return Array.from({ length: last - first + 1 }, (_, i) => `${first + i}/${protocol}`);
}

/** The ExposedPorts keys a container has: the image's, then `extra`, each once, with its protocol ("80" → "80/tcp"). */
export function exposedKeys(imageKeys: string[] | undefined, extra: string[]): string[] {
  const keys = [...(imageKeys ?? []), ...extra].map((key) => (key.includes('/') ? key : `${key}/tcp`));
  return [...new Set(keys)];
}
