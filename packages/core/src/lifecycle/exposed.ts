import { parseExposed, type PortSpec } from '@skiff/network';

/** -P: the image's ExposedPorts ("80/tcp"), each to a free host port on every address. Unreadable keys are skipped. */
export function exposedPorts(keys: string[] | undefined): PortSpec[] {
  return (keys ?? []).flatMap((key) => {
    const port = parseExposed(key);
    return port ? [{ hostIp: '', hostPort: 0, ...port }] : [];
  });
}
