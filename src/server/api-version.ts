/**
 * Docker API version prefix handling. Clients call both `/v1.41/containers/json`
 * and `/containers/json`; the prefix is stripped before routing (Fastify's
 * `rewriteUrl`) and remembered on the raw request, because some behaviour
 * (stream Content-Type from 1.42, WebSocket frame type below 1.28) depends on it.
 */
import type { IncomingMessage } from 'node:http';

/** The version berth advertises and the highest it accepts. */
export const MAX_API_VERSION = '1.41';
/** The lowest version berth accepts (dockerd's MinAPIVersion). */
export const MIN_API_VERSION = '1.24';

const kApiVersion = Symbol('berth.apiVersion');
/** dockerd's route regex is `/v{version:[0-9.]+}`. */
const PREFIX = /^\/v([0-9.]+)(?=\/|\?|$)/;

type VersionedRequest = IncomingMessage & { [kApiVersion]?: string };

/**
 * Strips a leading `/vX.YY` from the URL and stores X.YY on the request.
 * A request without a prefix is treated as the maximum version. A prefix of
 * `/v1.41` alone (no path) becomes `/`.
 */
export function stripVersionPrefix(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const m = PREFIX.exec(url);
  const r = req as VersionedRequest;
  if (!m) {
    r[kApiVersion] = MAX_API_VERSION;
    return url;
  }
  r[kApiVersion] = m[1];
  const rest = url.slice(m[0].length);
  return rest === '' || rest.startsWith('?') ? `/${rest}` : rest;
}

/** The API version of a request (after stripVersionPrefix ran); the maximum when unknown. */
export function requestApiVersion(req: IncomingMessage): string {
  return (req as VersionedRequest)[kApiVersion] ?? MAX_API_VERSION;
}

/**
 * Compares dotted versions numerically ("1.9" < "1.10"); missing parts count
 * as 0. Returns <0, 0 or >0.
 */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (Number(pa[i]) || 0) - (Number(pb[i]) || 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Docker's range check. Returns the 400 message for a version outside
 * [MIN_API_VERSION, MAX_API_VERSION], or null when it is acceptable.
 */
export function versionRangeError(version: string): string | null {
  if (version === MAX_API_VERSION) return null;
  if (compareVersions(version, MAX_API_VERSION) > 0) {
    return `client version ${version} is too new. Maximum supported API version is ${MAX_API_VERSION}`;
  }
  if (compareVersions(version, MIN_API_VERSION) < 0) {
    return `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`;
  }
  return null;
}
