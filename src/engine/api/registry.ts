/**
 * The registry part of the engine facade (`engine.registry.*`): pull, push,
 * login, search. Progress is reported as typed events; src/server/wire turns
 * them into Docker's JSON progress lines. Credentials live only in the call
 * that carries them: berth never stores or logs them.
 */

/** What `X-Registry-Auth` / `POST /auth` carries (Docker's AuthConfig). All optional. */
export interface RegistryCredentials {
  username?: string;
  password?: string;
  /** A refresh token from an earlier login (OAuth2 identity token). */
  identityToken?: string;
  /** A bearer token to send as is. */
  registryToken?: string;
  /** The registry the credentials are for (login only; "https://index.docker.io/v1/" = Docker Hub). */
  serverAddress?: string;
}

/** One progress event of a pull or push. `id` is a short (12 hex) blob or layer ID. */
export type RegistryProgress =
  | { kind: 'pulling-from'; repository: string; reference: string }
  | { kind: 'push-repository'; repository: string }
  | { kind: 'layer'; id: string; state: LayerState; from?: string }
  | { kind: 'layer-progress'; id: string; phase: 'downloading' | 'extracting' | 'pushing'; current: number; total: number }
  | { kind: 'digest'; digest: string }
  | { kind: 'pull-status'; upToDate: boolean; reference: string }
  | { kind: 'pushed-tag'; tag: string; digest: string; size: number };

export type LayerState =
  | 'already-exists'
  | 'pulling-fs-layer'
  | 'waiting'
  | 'verifying-checksum'
  | 'download-complete'
  | 'pull-complete'
  | 'preparing'
  | 'pushed'
  | 'layer-already-exists'
  | 'mounted';

export interface PullOptions {
  /** As `fromImage`: a name, maybe with tag or digest. */
  image: string;
  /** A tag, a digest, or ''. '' with a bare name in `image` pulls every tag (dockerd's rule; the CLI's --all-tags). */
  tag: string;
  /** "os[/arch[/variant]]" or '' (linux and the host's architecture). */
  platform: string;
  credentials: RegistryCredentials | null;
  onProgress: (event: RegistryProgress) => void;
  signal: AbortSignal;
}

export interface PushOptions {
  /** The local image name (a repository, maybe with tag). */
  image: string;
  /** '' = every tag of the repository. */
  tag: string;
  credentials: RegistryCredentials | null;
  onProgress: (event: RegistryProgress) => void;
  signal: AbortSignal;
}

export interface RegistryApi {
  /**
   * Pulls an image. Everything up to the first manifest (reference, auth,
   * manifest unknown) fails before any progress event, so the caller can
   * still answer a plain error.
   */
  pull(opts: PullOptions): Promise<void>;
  /** Pushes the local image's tag(s). Not-found before any progress when the image is missing. */
  push(opts: PushOptions): Promise<void>;
  /** Checks credentials against the registry; unauthorized (kind) when they are wrong. */
  login(credentials: RegistryCredentials): Promise<{ identityToken: string }>;
}
