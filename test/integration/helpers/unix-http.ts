/**
 * Minimal HTTP/1.1 client over a unix socket for integration tests: one request,
 * the whole response body buffered. Streams (attach, logs -f, events) are not
 * its job; the docker CLI or a raw socket covers those.
 */
import http from 'node:http';
import { Readable } from 'node:stream';

export type QueryValue = string | number | boolean | object | undefined;

export interface RequestOptions {
  /** A Buffer/string is sent as is, a Readable is piped, any other value is sent as JSON. */
  body?: Buffer | string | Readable | object;
  headers?: Record<string, string>;
  /** Appended to the path; objects (filters) are JSON-encoded, undefined values skipped. */
  query?: Record<string, QueryValue>;
  /** Abort when the connection is idle this long (default 60 s); the promise rejects. */
  timeoutMs?: number;
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The body parsed as JSON; throws with the body text when it is not JSON. */
  json(): any;
}

/** `path` plus the encoded query string. */
export function withQuery(path: string, query?: Record<string, QueryValue>): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    params.append(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  const qs = params.toString();
  if (!qs) return path;
  return path + (path.includes('?') ? '&' : '?') + qs;
}

function toResult(status: number, headers: http.IncomingHttpHeaders, body: Buffer): HttpResult {
  return {
    status,
    headers,
    body,
    json() {
      try {
        return JSON.parse(body.toString('utf8'));
      } catch {
        throw new Error(`response (${status}) is not JSON: ${body.toString('utf8').slice(0, 500)}`);
      }
    },
  };
}

/** Sends one request to `socketPath` and buffers the response. Rejects on socket errors and timeouts. */
export function unixRequest(socketPath: string, method: string, path: string, opts: RequestOptions = {}): Promise<HttpResult> {
  const headers: Record<string, string> = { ...opts.headers };
  let payload: Buffer | string | Readable | undefined;
  if (opts.body instanceof Readable || Buffer.isBuffer(opts.body) || typeof opts.body === 'string') {
    payload = opts.body;
  } else if (opts.body !== undefined) {
    payload = JSON.stringify(opts.body);
    headers['Content-Type'] ??= 'application/json';
  }
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path: withQuery(path, opts.query), headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve(toResult(res.statusCode ?? 0, res.headers, Buffer.concat(chunks))));
    });
    req.setTimeout(opts.timeoutMs ?? 60_000, () => {
      req.destroy(new Error(`${method} ${path}: no response within ${opts.timeoutMs ?? 60_000} ms`));
    });
    req.on('error', reject);
    if (payload instanceof Readable) payload.pipe(req);
    else req.end(payload);
  });
}
