/**
 * ImageView → Docker's image JSON: list items (`GET /images/json`), inspect
 * (`GET /images/{name}/json`) and delete results. References are shown in
 * the familiar short form Docker clients print.
 */
import type { ImageDeleteItem, ImageRuntimeConfig, ImageView } from '../../engine/api.js';
import { unixSeconds, ZERO_TIME } from './containers.js';

/**
 * Familiar form of a normalized reference: `docker.io/library/busybox:latest`
 * → `busybox:latest`, `docker.io/foo/bar:1` → `foo/bar:1`; other registries
 * unchanged.
 */
export function familiarRef(ref: string): string {
  if (ref.startsWith('docker.io/library/')) return ref.slice('docker.io/library/'.length);
  if (ref.startsWith('docker.io/')) return ref.slice('docker.io/'.length);
  return ref;
}

const portSet = (ports: string[]) => (ports.length ? Object.fromEntries(ports.map((p) => [p, {}])) : null);
const volumeSet = (vols: string[]) => (vols.length ? Object.fromEntries(vols.map((p) => [p, {}])) : null);

/** Docker's container Config shape filled from an image config (inspect's Config). */
export function toImageConfig(c: ImageRuntimeConfig): Record<string, unknown> {
  return {
    Hostname: '', Domainname: '', User: c.user, AttachStdin: false, AttachStdout: false, AttachStderr: false,
    ExposedPorts: portSet(c.exposedPorts), Tty: false, OpenStdin: false, StdinOnce: false, Env: c.env,
    Cmd: c.cmd, Image: '', Volumes: volumeSet(c.volumes), WorkingDir: c.workingDir, Entrypoint: c.entrypoint,
    OnBuild: null, Labels: Object.keys(c.labels).length ? c.labels : null,
    ...(c.stopSignal ? { StopSignal: c.stopSignal } : {}),
  };
}

/** One item of `GET /images/json`. Untagged images show as `<none>:<none>`. */
export function toImageListItem(v: ImageView): Record<string, unknown> {
  const tagged = v.tags.length > 0;
  return {
    Id: v.id,
    ParentId: v.parent,
    RepoTags: tagged ? v.tags.map(familiarRef) : ['<none>:<none>'],
    // Observed on dockerd: null for a tagged local image without registry digest.
    RepoDigests: v.repoDigests.length ? v.repoDigests.map(familiarRef) : tagged ? null : ['<none>@<none>'],
    Created: unixSeconds(v.created),
    Size: v.size,
    SharedSize: -1,
    VirtualSize: v.size,
    Labels: Object.keys(v.config.labels).length ? v.config.labels : null,
    Containers: v.containers,
  };
}

/** `GET /images/{name}/json`. */
export function toImageInspect(v: ImageView): Record<string, unknown> {
  return {
    Id: v.id,
    RepoTags: v.tags.map(familiarRef),
    RepoDigests: v.repoDigests.map(familiarRef),
    Parent: v.parent,
    Comment: v.comment,
    Created: v.created,
    Container: '',
    ContainerConfig: toImageConfig({
      cmd: null, entrypoint: null, env: [], workingDir: '', user: '', labels: {}, exposedPorts: [], stopSignal: '', volumes: [],
    }),
    DockerVersion: '',
    Author: v.author,
    Config: toImageConfig(v.config),
    Architecture: v.architecture,
    Os: v.os,
    Size: v.size,
    VirtualSize: v.size,
    GraphDriver: { Name: 'overlay2', Data: null },
    RootFS: { Type: 'layers', Layers: v.diffIds },
    Metadata: { LastTagTime: ZERO_TIME },
  };
}

/** `DELETE /images/{name}` result: `[{"Untagged": …}, {"Deleted": …}]`. */
export function toImageDeleteResponse(items: ImageDeleteItem[]): Array<Record<string, string>> {
  return items.map((i): Record<string, string> =>
    i.untagged !== undefined ? { Untagged: familiarRef(i.untagged) } : { Deleted: i.deleted ?? '' });
}
