/**
 * The registry client's HTTP transport, on node:http/https.
 *
 * Why not undici: each registry needs its own TLS trust (system roots plus a
 * certs.d CA, a client certificate, or no verification for an insecure
 * registry), which an `https.Agent` per trust setting expresses directly;
 * the response is a plain Readable that pipes into the blob writer; and
 * berthd's bundle and startup stay as they are. The parts undici would add
 * (timeouts, redirects) are a few lines here, where their policy is ours:
 * Authorization is dropped when a redirect leaves the origin, loops stop
 * after MAX_REDIRECTS, and no request waits forever.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { Readable } from 'node:stream';

export interface TlsSettings {
  /** Verify the server certificate (false only for insecure registries). */
  verify: boolean;
  /** Extra CA certificates (PEM), trusted besides the system roots. */
  ca: Buffer[];
  /** Client certificate and key (PEM), both or neither. */
  cert?: Buffer;
  key?: Buffer;
}

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  url: URL;
  headers?: Record<string, string>;
  /** Bytes, or a stream opener (called once per attempt) with its length when known. */
  body?: Buffer | { open(): Readable; length?: number };
  tls: TlsSettings;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Where the answer came from (after redirects). */
  url: URL;
  body: http.IncomingMessage;
}

export interface Timeouts {
  /** Until the response headers arrive. */
  headersMs: number;
  /** Longest silence on the socket while a body flows. */
  idleMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { headersMs: 30_000, idleMs: 60_000 };
const MAX_REDIRECTS = 10;

/** A transport error: `reason` is the short cause, the message reads like Go's (`Get "url": reason`). */
export class TransportError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly reason: string,
    /** The TLS handshake met something that is not TLS (a plain-HTTP server): try http://. */
    readonly notTls: boolean,
    readonly retryable: boolean,
  ) {
    super(`${goMethod(method)} "${url}": ${reason}`);
  }
}

/** Go's spelling of a method in url.Error ("Get", "Head", …). */
export function goMethod(method: string): string {
  return method.charAt(0) + method.slice(1).toLowerCase();
}

export class HttpTransport {
  readonly #agents = new Map<string, http.Agent>();

  constructor(readonly timeouts: Timeouts = DEFAULT_TIMEOUTS) {}

  /** Sends the request, following redirects of GET/HEAD. Rejects with TransportError on network failure. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    let url = req.url;
    let headers = { ...req.headers };
    for (let hop = 0; ; hop++) {
      const res = await this.#once({ ...req, url, headers });
      const location = res.headers.location;
      const redirect = [301, 302, 303, 307, 308].includes(res.status) && location && (req.method === 'GET' || req.method === 'HEAD');
      if (!redirect) return res;
      res.body.resume();
      if (hop >= MAX_REDIRECTS) throw new TransportError(req.method, url.href, `stopped after ${MAX_REDIRECTS} redirects`, false, false);
      const next = new URL(location, url);
      // Credentials for the registry are not handed to wherever it redirects (blob storage, CDN).
      if (next.origin !== url.origin) {
        headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
      }
      url = next;
    }
  }

  /** Drops idle keep-alive sockets (daemon shutdown, tests). */
  close(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }

  #agent(url: URL, settings: TlsSettings): http.Agent {
    const https_ = url.protocol === 'https:';
    const key = https_ ? tlsKey(settings) : 'http';
    let agent = this.#agents.get(key);
    if (!agent) {
      agent = https_
        ? new https.Agent({
            keepAlive: true,
            maxSockets: 16,
            rejectUnauthorized: settings.verify,
            // `ca` replaces Node's roots: keep them and add the registry's own.
            ca: settings.ca.length ? [...tls.rootCertificates, ...settings.ca.map((c) => c.toString())] : undefined,
            cert: settings.cert,
            key: settings.key,
          })
        : new http.Agent({ keepAlive: true, maxSockets: 16 });
      this.#agents.set(key, agent);
    }
    return agent;
  }

  #once(req: HttpRequest): Promise<HttpResponse> {
    const { method, url } = req;
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise<HttpResponse>((resolve, reject) => {
      const body = req.body;
      const headers: Record<string, string> = { 'User-Agent': 'berth', ...req.headers };
      if (Buffer.isBuffer(body)) headers['Content-Length'] = String(body.length);
      else if (body?.length !== undefined) headers['Content-Length'] = String(body.length);
      const out = lib.request(url, { method, headers, agent: this.#agent(url, req.tls), signal: req.signal });
      const fail = (err: unknown) => reject(transportError(method, url, err, req.signal));
      const headersTimer = setTimeout(() => out.destroy(new Error('timeout awaiting response headers')), this.timeouts.headersMs);
      out.setTimeout(this.timeouts.idleMs, () => out.destroy(new Error('i/o timeout')));
      out.on('error', (err) => {
        clearTimeout(headersTimer);
        fail(err);
      });
      out.on('response', (res) => {
        clearTimeout(headersTimer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, url, body: res });
      });
      if (body === undefined) out.end();
      else if (Buffer.isBuffer(body)) out.end(body);
      else {
        const src = body.open();
        src.on('error', (err) => out.destroy(err));
        src.pipe(out);
      }
    });
  }
}

function tlsKey(s: TlsSettings): string {
  const h = createHash('sha256').update(s.verify ? 'v' : 'n');
  for (const part of [...s.ca, s.cert ?? Buffer.alloc(0), s.key ?? Buffer.alloc(0)]) h.update(part).update('\0');
  return h.digest('hex');
}

const CERT_UNKNOWN_AUTHORITY = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
]);
const RETRYABLE_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

/** Turns a Node network/TLS error into a TransportError with Docker-like wording. */
function transportError(method: string, url: URL, err: unknown, signal?: AbortSignal): TransportError {
  const e = err as NodeJS.ErrnoException & { reason?: string };
  const code = e.code ?? '';
  if (signal?.aborted) return new TransportError(method, url.href, 'context canceled', false, false);
  if (CERT_UNKNOWN_AUTHORITY.has(code)) return new TransportError(method, url.href, 'x509: certificate signed by unknown authority', false, false);
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return new TransportError(method, url.href, 'x509: certificate has expired or is not yet valid', false, false);
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return new TransportError(method, url.href, `x509: ${e.reason ?? e.message}`, false, false);
  const notTls = code === 'EPROTO' || /wrong version number|packet length too long|unknown protocol/i.test(e.message ?? '');
  if (notTls) return new TransportError(method, url.href, 'http: server gave HTTP response to HTTPS client', true, false);
  if (code === 'ECONNREFUSED') return new TransportError(method, url.href, `dial tcp ${url.host}: connect: connection refused`, false, true);
  const timeout = /timeout/i.test(e.message ?? '');
  return new TransportError(
    method,
    url.href,
    e.message || code || 'request failed',
    false,
    timeout || RETRYABLE_CODES.has(code) || /socket hang up/.test(e.message ?? ''),
  );
}

/** Reads a response body as text, up to `limit` bytes (more is an error: a hostile registry can send gigabytes). */
export async function readBody(res: HttpResponse, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) {
      res.body.destroy();
      throw new Error(`response from ${res.url.href} is larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
