import { invalidArgument, type ImageConfig } from '@skiff/plugin';

/**
 * `-c/--change INSTRUCTION` of `import` (and docker's commit): Dockerfile instructions applied to the image config,
 * in order, as docker: CMD, ENTRYPOINT, ENV, EXPOSE (into ExposedPorts), LABEL, ONBUILD (into OnBuild), USER,
 * VOLUME, WORKDIR and STOPSIGNAL.
 */
export function applyChanges(base: ImageConfig, changes: string[]): ImageConfig {
  const config: ImageConfig = { ...base, env: [...base.env], ...(base.labels ? { labels: { ...base.labels } } : {}) };
  for (const change of changes) {
    const match = /^\s*([A-Za-z]+)(?:\s+([\s\S]*?))?\s*$/.exec(change);
    if (!match) throw invalidArgument(`invalid change ${JSON.stringify(change)}: use a Dockerfile instruction, for example 'CMD ["sh"]'`);
    const instruction = match[1]!.toUpperCase();
    const rest = match[2] ?? '';
    const needs = () => {
      if (rest === '') throw invalidArgument(`${instruction} requires at least one argument`);
    };
    switch (instruction) {
      case 'CMD':
        needs();
        config.cmd = commandForm(rest, instruction);
        break;
      case 'ENTRYPOINT':
        needs();
        config.entrypoint = commandForm(rest, instruction);
        break;
      case 'ENV':
        needs();
        for (const [key, value] of pairs(rest, instruction)) {
          config.env = [...config.env.filter((item) => !item.startsWith(`${key}=`)), `${key}=${value}`];
        }
        break;
      case 'LABEL':
        needs();
        config.labels = { ...config.labels, ...Object.fromEntries(pairs(rest, instruction)) };
        break;
      case 'WORKDIR':
        needs();
        config.workingDir = rest.startsWith('/') ? rest : `${config.workingDir.replace(/\/$/, '')}/${rest}`;
        break;
      case 'USER':
        needs();
        config.user = rest;
        break;
      case 'STOPSIGNAL':
        needs();
        config.stopSignal = rest;
        break;
      case 'VOLUME': {
        needs();
        const paths = rest.startsWith('[') ? jsonList(rest, instruction) : rest.split(/\s+/);
        if (paths.some((path) => !path.startsWith('/'))) throw invalidArgument(`VOLUME paths must be absolute: ${rest}`);
        config.volumes = [...new Set([...(config.volumes ?? []), ...paths])];
        break;
      }
      case 'EXPOSE':
        needs();
        config.exposedPorts = [...new Set([...(config.exposedPorts ?? []), ...rest.split(/\s+/).flatMap(exposedPorts)])];
        break;
      case 'ONBUILD': {
        needs();
        const trigger = /^[A-Za-z]+/.exec(rest)?.[0]?.toUpperCase();
        // docker's rules for a trigger: an instruction, and not one that cannot run in a child build.
        if (!trigger) throw invalidArgument(`ONBUILD ${rest}: the trigger must be a Dockerfile instruction`);
        if (['ONBUILD', 'FROM', 'MAINTAINER'].includes(trigger)) throw invalidArgument(`${trigger} isn't allowed as an ONBUILD trigger`);
        config.onBuild = [...(config.onBuild ?? []), rest];
        break;
      }
      default:
        throw invalidArgument(`${instruction} is not a valid change command`);
    }
  }
  return config;
}

/** EXPOSE's `80`, `80/udp`, `8000-8002/tcp`: ExposedPorts keys (`80/tcp`), a range one key per port, as docker. */
function exposedPorts(word: string): string[] {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?(?:\/(tcp|udp|sctp))?$/i.exec(word);
  const first = Number(match?.[1]);
  const last = match?.[2] === undefined ? first : Number(match[2]);
  if (!match || first < 1 || last > 65535 || last < first) throw invalidArgument(`EXPOSE ${word}: use PORT[-PORT][/tcp|udp|sctp] with ports 1-65535`);
  const protocol = (match[3] ?? 'tcp').toLowerCase();
  return Array.from({ length: last - first + 1 }, (_, i) => `${first + i}/${protocol}`);
}

/** `["a", "b"]` (exec form) or `a b` (shell form: run by /bin/sh -c, as docker). */
function commandForm(text: string, instruction: string): string[] {
  if (text.startsWith('[')) {
    try {
      return jsonList(text, instruction);
    } catch {
      // docker: text that is not a JSON list of strings is shell form
    }
  }
  return ['/bin/sh', '-c', text];
}

function jsonList(text: string, instruction: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidArgument(`${instruction} ${text}: not a JSON list of strings`);
  }
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw invalidArgument(`${instruction} ${text}: not a JSON list of strings`);
  return value;
}

/** `K=V K2="V 2"` pairs, or the legacy `K V with spaces` form. */
function pairs(text: string, instruction: string): [string, string][] {
  if (!/^[^\s="']+=/.test(text)) {
    const legacy = /^(\S+)\s+([\s\S]+)$/.exec(text);
    if (!legacy) throw invalidArgument(`${instruction} ${text}: use KEY=VALUE`);
    return [[legacy[1]!, legacy[2]!]];
  }
  const found: [string, string][] = [];
  const pair = /\s*([^\s=]+)=(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S*))/y;
  let position = 0;
  for (;;) {
    pair.lastIndex = position;
    const match = pair.exec(text);
    if (!match) break;
    found.push([match[1]!, match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] ?? match[4] ?? '')]);
    position = pair.lastIndex;
  }
  if (text.slice(position).trim() !== '') throw invalidArgument(`${instruction} ${text}: use KEY=VALUE pairs (quote values with spaces)`);
  return found;
}
