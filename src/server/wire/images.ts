/**
 * Image records → Docker's image JSON: list items (`GET /images/json`),
 * inspect (`GET /images/{name}/json`), delete and prune results, history
 * rows and the lines of `docker load`. References are shown in the familiar
 * short form Docker clients print, through the engine's one
 * `familiarReference` (Docker's FamiliarName rule).
 */
import type { ImageDeleteItem, ImageHistoryItem, ImagePruneResult, ImageRuntimeConfig, ImageView, LoadedImage } from '../../engine/api.js';
import { familiarReference } from '../../engine/api.js';
import { unixSeconds, ZERO_TIME } from './containers.js';
import { goMap, goSet } from './go-map.js';

/** Familiar references in dockerd's order (its reference store sorts them lexically): clients take the first as the name. */
const sortedFamiliar = (refs: string[]) => refs.map(familiarReference).sort();

/** Docker's Healthcheck JSON (zero durations left out, as Go's omitempty does). */
function healthcheckJson(h: NonNullable<ImageRuntimeConfig['healthcheck']>): Record<string, unknown> {
  return {
    Test: h.test,
    ...(h.interval ? { Interval: h.interval } : {}),
    ...(h.timeout ? { Timeout: h.timeout } : {}),
    ...(h.startPeriod ? { StartPeriod: h.startPeriod } : {}),
    ...(h.retries ? { Retries: h.retries } : {}),
  };
}

/** Docker's container Config shape filled from an image config (inspect's Config). */
export function toImageConfig(c: ImageRuntimeConfig): Record<string, unknown> {
  return {
    Hostname: '',
    Domainname: '',
    User: c.user,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    // As dockerd: ExposedPorts is omitempty, an empty Env is null.
    ...(c.exposedPorts.length ? { ExposedPorts: goSet(c.exposedPorts) } : {}),
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: c.env.length ? c.env : null,
    Cmd: c.cmd,
    Image: '',
    Volumes: goSet(c.volumes),
    WorkingDir: c.workingDir,
    Entrypoint: c.entrypoint,
    OnBuild: c.onBuild?.length ? c.onBuild : null,
    Labels: Object.keys(c.labels).length || c.emptyLabelsMap ? goMap(c.labels) : null,
    ...(c.stopSignal ? { StopSignal: c.stopSignal } : {}),
    ...(c.healthcheck ? { Healthcheck: healthcheckJson(c.healthcheck) } : {}),
    ...(c.shell?.length ? { Shell: c.shell } : {}),
  };
}

/** One item of `GET /images/json`. Untagged images show as `<none>:<none>`. */
export function toImageListItem(v: ImageView): Record<string, unknown> {
  const tagged = v.tags.length > 0;
  return {
    Id: v.id,
    ParentId: v.parent,
    RepoTags: tagged ? sortedFamiliar(v.tags) : ['<none>:<none>'],
    // Observed on dockerd: null for a tagged local image without registry digest.
    RepoDigests: v.repoDigests.length ? sortedFamiliar(v.repoDigests) : tagged ? null : ['<none>@<none>'],
    Created: unixSeconds(v.created),
    Size: v.size,
    SharedSize: -1,
    VirtualSize: v.size,
    Labels: Object.keys(v.config.labels).length || v.config.emptyLabelsMap ? goMap(v.config.labels) : null,
    // dockerd 20.10 counts the containers only for `system df` (which sets it); a list says -1 ("N/A").
    Containers: -1,
  };
}

/** `GET /images/{name}/json`. */
export function toImageInspect(v: ImageView): Record<string, unknown> {
  return {
    Id: v.id,
    RepoTags: sortedFamiliar(v.tags),
    RepoDigests: sortedFamiliar(v.repoDigests),
    Parent: v.parent,
    Comment: v.comment,
    Created: v.created,
    Container: '',
    ContainerConfig: toImageConfig({
      cmd: null,
      entrypoint: null,
      env: [],
      workingDir: '',
      user: '',
      labels: {},
      exposedPorts: [],
      stopSignal: '',
      volumes: [],
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

/** `DELETE /images/{name}` result: `[{"Untagged": …}, {"Deleted": …}]` (untagged names come familiar). */
export function toImageDeleteResponse(items: ImageDeleteItem[]): Array<Record<string, string>> {
  return items.map((i): Record<string, string> => (i.untagged !== undefined ? { Untagged: i.untagged } : { Deleted: i.deleted ?? '' }));
}

/** `POST /images/prune`: ImagesDeleted is null (not []) when nothing went. */
export function toImagePruneResponse(res: ImagePruneResult): Record<string, unknown> {
  return {
    ImagesDeleted: res.deleted.length ? res.deleted.map((d) => (d.untagged ? { Untagged: d.untagged } : { Deleted: d.deleted })) : null,
    SpaceReclaimed: res.spaceReclaimed,
  };
}

/** Docker's HistoryResponseItem; rows without tags carry null, as dockerd sends. */
export function toHistoryItem(h: ImageHistoryItem): Record<string, unknown> {
  return {
    Id: h.id,
    Created: h.created,
    CreatedBy: h.createdBy,
    Tags: h.tags.length ? h.tags.map(familiarReference) : null,
    Size: h.size,
    Comment: h.comment,
  };
}

/** The lines `docker load` prints: one per tag, or the ID for an untagged image. */
export function loadMessages(loaded: LoadedImage[]): string[] {
  return loaded.flatMap((img) => (img.tags.length ? img.tags.map((t) => `Loaded image: ${familiarReference(t)}\n`) : [`Loaded image ID: ${img.id}\n`]));
}
