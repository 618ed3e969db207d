import { labelMatches } from '@skiff/core';
import type { ContainerInspect } from 'skiff';
import { parseFilters } from '../filters.js';

/** docker inspect's body: the library's docker-shaped view plus the fields the docker CLI and dockerode read. */
export function inspectContainer(container: ContainerInspect): Record<string, unknown> {
  return {
    ...container,
    State: { ...container.State, Restarting: false, Dead: false, Error: '' },
    Config: {
      ...container.Config,
      StdinOnce: container.Config.OpenStdin,
      Entrypoint: null,
      ExposedPorts: Object.fromEntries(Object.keys(container.HostConfig.PortBindings).map((port) => [port, {}])),
    },
    HostConfig: { ...container.HostConfig, Binds: container.Mounts.filter((m) => m.Type === 'bind').map((m) => `${m.Source}:${m.Destination}${m.RW ? '' : ':ro'}`) },
    Driver: container.GraphDriver.Name,
    Platform: 'linux',
  };
}

const unix = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** docker ps's Status column ("Up 3 seconds", "Exited (0) 2 minutes ago", "Created"). */
export function statusText(container: ContainerInspect, now = Date.now()): string {
  const { State } = container;
  if (State.Running) return `Up ${humanDuration(now - Date.parse(State.StartedAt))}${State.Paused ? ' (Paused)' : ''}`;
  if (State.Status === 'created') return 'Created';
  return `Exited (${State.ExitCode}) ${humanDuration(now - Date.parse(State.FinishedAt))} ago`;
}

/** Docker's go-units HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.round(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(minutes / 60);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.round(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.round(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.round(hours / 24 / 30)} months`;
  return `${Math.round(hours / 24 / 365)} years`;
}

/** docker ps's Ports: one row per published host port. */
function portRows(container: ContainerInspect) {
  return Object.entries(container.NetworkSettings.Ports).flatMap(([key, bindings]) => {
    const [port = '0', type = 'tcp'] = key.split('/');
    return (bindings ?? []).map((binding) => ({ IP: binding.HostIp, PrivatePort: Number(port), PublicPort: Number(binding.HostPort), Type: type }));
  });
}

/** One row of GET /containers/json. */
export function containerSummary(container: ContainerInspect): Record<string, unknown> {
  const command = [container.Path, ...container.Args].filter(Boolean).join(' ');
  return {
    Id: container.Id,
    Names: [container.Name],
    Image: container.Config.Image,
    ImageID: '',
    Command: command,
    Created: unix(container.Created),
    State: container.State.Status,
    Status: statusText(container),
    Ports: portRows(container),
    Labels: container.Config.Labels,
    HostConfig: { NetworkMode: container.HostConfig.NetworkMode },
    NetworkSettings: { Networks: container.NetworkSettings.Networks },
    Mounts: container.Mounts,
  };
}

/**
 * The `filters` query of GET /containers/json (`{"status":["running"],"name":["web"]}`): id (prefix), name
 * (substring), status, exited (code), ancestor (image). Without `all`, only running containers.
 */
export function listFilters(text: string | null, all: boolean): (container: ContainerInspect) => boolean {
  const values = parseFilters(text, ['id', 'name', 'status', 'exited', 'ancestor', 'label']);
  const status = values('status');
  const any = (list: string[] | undefined, test: (value: string) => boolean) => list === undefined || list.some(test);
  return (container) =>
    (all || status !== undefined || container.State.Running) &&
    any(values('id'), (id) => container.Id.startsWith(id)) &&
    any(values('name'), (name) => container.Name.slice(1).includes(name.replace(/^\//, ''))) &&
    any(status, (wanted) => wanted === container.State.Status) &&
    any(values('exited'), (code) => !container.State.Running && container.State.Status === 'exited' && String(container.State.ExitCode) === code) &&
    any(values('ancestor'), (image) => container.Config.Image === image || container.Config.Image === image.replace(/:latest$/, '')) &&
    (values('label') ?? []).every((wanted) => labelMatches(container.Config.Labels, wanted));
}

