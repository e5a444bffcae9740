/**
 * Registry wire formats: the engine's typed pull/push progress → Docker's
 * JSON progress messages (what the CLI draws as bars), and the
 * `X-Registry-Auth` header / `POST /auth` body → credentials.
 */
import type { LayerState, RegistryCredentials, RegistryProgress } from '../../engine/api.js';

const LAYER_TEXT: Readonly<Record<LayerState, string>> = {
  'already-exists': 'Already exists',
  'pulling-fs-layer': 'Pulling fs layer',
  waiting: 'Waiting',
  'verifying-checksum': 'Verifying Checksum',
  'download-complete': 'Download complete',
  'pull-complete': 'Pull complete',
  preparing: 'Preparing',
  pushed: 'Pushed',
  'layer-already-exists': 'Layer already exists',
  mounted: 'Mounted from',
};

const PHASE_TEXT = { downloading: 'Downloading', extracting: 'Extracting', pushing: 'Pushing' } as const;

/** The JSON message (one line of the stream) or messages for one progress event. */
export function progressMessages(e: RegistryProgress): Array<Record<string, unknown>> {
  switch (e.kind) {
    case 'pulling-from':
      return [{ status: `Pulling from ${e.repository}`, id: e.reference }];
    case 'push-repository':
      return [{ status: `The push refers to repository [${e.repository}]` }];
    case 'layer':
      return [{ status: e.state === 'mounted' ? `Mounted from ${e.from ?? ''}` : LAYER_TEXT[e.state], progressDetail: {}, id: e.id }];
    case 'layer-progress':
      return [{ status: PHASE_TEXT[e.phase], progressDetail: { current: e.current, total: e.total }, progress: progressBar(e.current, e.total), id: e.id }];
    case 'digest':
      return [{ status: `Digest: ${e.digest}` }];
    case 'pull-status':
      return [{ status: `Status: ${e.upToDate ? 'Image is up to date' : 'Downloaded newer image'} for ${e.reference}` }];
    case 'pushed-tag':
      return [{ status: `${e.tag}: digest: ${e.digest} size: ${e.size}` }, { progressDetail: {}, aux: { Tag: e.tag, Digest: e.digest, Size: e.size } }];
  }
}

/** Docker's progress text: `[=====>      ]  12.35MB/40MB` (a 50-character bar). */
export function progressBar(current: number, total: number): string {
  if (total <= 0) return current > 0 ? humanSize(current) : '';
  const filled = Math.min(50, Math.floor(Math.floor((current / total) * 100) / 2));
  const bar = `[${'='.repeat(filled)}>${' '.repeat(Math.max(0, 50 - filled))}] `;
  return `${bar}${humanSize(current).padStart(8)}/${humanSize(total)}`;
}

/** go-units HumanSize: decimal units, 4 significant digits ("772.8kB", "1.049MB", "999B"). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < units.length - 1) {
    size /= 1000;
    i++;
  }
  const text = Number(size.toPrecision(4)).toString();
  return `${text}${units[i]}`;
}

/**
 * Decodes `X-Registry-Auth` (base64url JSON AuthConfig; standard base64 is
 * accepted too). Absent, empty or undecodable → null, as dockerd treats a
 * pull without usable credentials as anonymous.
 */
export function registryAuthFromHeader(header: string | string[] | undefined): RegistryCredentials | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value || value.trim() === '') return null;
  try {
    return credentialsFromBody(JSON.parse(Buffer.from(value.trim(), 'base64').toString('utf8')));
  } catch {
    return null;
  }
}

/** Docker's AuthConfig JSON (lower-case keys; `auth` is base64 "user:password") → credentials; null when empty. */
export function credentialsFromBody(body: unknown): RegistryCredentials | null {
  if (typeof body !== 'object' || body === null) return null;
  const b = body as Record<string, unknown>;
  const str = (k: string) => (typeof b[k] === 'string' && b[k] !== '' ? b[k] : undefined);
  let username = str('username');
  let password = str('password');
  const auth = str('auth');
  if (auth && username === undefined) {
    const decoded = Buffer.from(auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
  }
  const creds: RegistryCredentials = {
    username,
    password,
    identityToken: str('identitytoken'),
    registryToken: str('registrytoken'),
    serverAddress: str('serveraddress'),
  };
  const any = Object.values(creds).some((v) => v !== undefined);
  return any ? creds : null;
}

/** `POST /auth`'s answer. */
export function toAuthResponse(identityToken: string): { Status: string; IdentityToken: string } {
  return { Status: 'Login Succeeded', IdentityToken: identityToken };
}
