/**
 * A distribution-API session for one repository on one endpoint: every
 * request carries the authorization the registry's challenge asks for
 * (obtained once per scope, renewed on a 401), idempotent requests are
 * retried with backoff on 5xx and connection resets, and registry errors
 * become EngineErrors with the registry's own words.
 */
import type { RegistryCredentials } from '../api/registry.js';
import { EngineError } from '../errors.js';
import { Authenticator, errorText, parseChallenges, repositoryScope, type Challenge } from './auth.js';
import { formatRegistryErrors, registryErrorEntries, type RegistryErrorEntry } from './errcode.js';
import type { Endpoint } from './hosts.js';
import { HttpTransport, TransportError, readBody, type HttpMethod, type HttpRequest, type HttpResponse } from './http.js';

const RETRIES = 3;
const BACKOFF_MS = [250, 1000, 3000];
const ERROR_BODY_LIMIT = 64 * 1024;
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });

export interface RegistryContext {
  http: HttpTransport;
  auth: Authenticator;
}

export interface SessionOptions {
  /** Repository path below the domain ("library/busybox"). */
  path: string;
  /** "pull" or "pull,push". */
  actions: string;
  /** Extra scopes (a cross-repository mount's source: "repository:other:pull"). */
  extraScopes?: string[];
  credentials: RegistryCredentials | null;
  signal?: AbortSignal;
}

export interface SendOptions {
  headers?: Record<string, string>;
  body?: HttpRequest['body'];
  /** Retry on 5xx/resets (only for requests that can be repeated). Default: GET and HEAD. */
  retry?: boolean;
}

export class RepoSession {
  #authorization: string | undefined;
  #challenges: Challenge[] = [];

  private constructor(
    private readonly ctx: RegistryContext,
    readonly endpoint: Endpoint,
    private readonly opts: SessionOptions,
  ) {}

  /**
   * Opens a session: pings `/v2/` (falling back to plain http:// when the
   * endpoint allows it and the server does not speak TLS) and authorizes
   * for the repository's scope up front.
   */
  static async open(ctx: RegistryContext, endpoint: Endpoint, opts: SessionOptions): Promise<RepoSession> {
    const { endpoint: reached, challenges } = await ping(ctx.http, endpoint, opts.signal);
    const session = new RepoSession(ctx, reached, opts);
    session.#challenges = challenges;
    await session.#authorize();
    return session;
  }

  get path(): string {
    return this.opts.path;
  }

  async #authorize(): Promise<void> {
    if (!this.opts.actions) return; // a ping-only session (login)
    const scopes = [repositoryScope(this.opts.path, this.opts.actions), ...(this.opts.extraScopes ?? [])];
    this.#authorization = await this.ctx.auth.authorization(this.#challenges, scopes, this.opts.credentials, this.endpoint.tls, this.opts.signal);
  }

  /** `path` is below /v2/<repo>/ ("manifests/latest") or absolute when it starts with a scheme. */
  url(rel: string): URL {
    return /^https?:\/\//.test(rel) ? new URL(rel) : new URL(`/v2/${this.opts.path}/${rel}`, this.endpoint.base);
  }

  /** Sends a request; a 401 renews authorization from its challenge and tries once more. */
  async send(method: HttpMethod, target: URL, opts: SendOptions = {}): Promise<HttpResponse> {
    const retry = opts.retry ?? (method === 'GET' || method === 'HEAD');
    for (let attempt = 0; ; attempt++) {
      try {
        let res = await this.#sendOnce(method, target, opts);
        if (res.status === 401 && res.headers['www-authenticate']) {
          res.body.resume();
          this.#challenges = parseChallenges(res.headers['www-authenticate']);
          await this.#authorize();
          if (this.#authorization === undefined && this.#challenges.some((c) => c.scheme === 'basic')) throw noBasicCredentials();
          res = await this.#sendOnce(method, target, opts);
        }
        if (retry && res.status >= 500 && attempt < RETRIES) {
          res.body.resume();
          await sleep(BACKOFF_MS[attempt], this.opts.signal);
          continue;
        }
        return res;
      } catch (err) {
        if (!(retry && err instanceof TransportError && err.retryable && attempt < RETRIES)) throw wrapTransport(err);
        await sleep(BACKOFF_MS[attempt], this.opts.signal);
      }
    }
  }

  #sendOnce(method: HttpMethod, url: URL, opts: SendOptions): Promise<HttpResponse> {
    const headers = { ...opts.headers };
    if (this.#authorization && url.origin === this.endpoint.base.origin) headers.Authorization = this.#authorization;
    return this.ctx.http.request({ method, url, headers, body: opts.body, tls: this.endpoint.tls, signal: this.opts.signal });
  }
}

/** GET /v2/: which endpoint answers, and the challenges it announces. */
async function ping(http: HttpTransport, endpoint: Endpoint, signal?: AbortSignal): Promise<{ endpoint: Endpoint; challenges: Challenge[] }> {
  const attempt = async (ep: Endpoint) => {
    const res = await http.request({ method: 'GET', url: new URL('/v2/', ep.base), tls: ep.tls, signal });
    res.body.resume();
    return { endpoint: ep, challenges: res.status === 401 ? parseChallenges(res.headers['www-authenticate']) : [] };
  };
  try {
    return await attempt(endpoint);
  } catch (err) {
    const plain = err instanceof TransportError && (err.notTls || err.reason.includes('connection refused'));
    if (!endpoint.httpFallback || !plain) throw wrapTransport(err);
    const httpBase = new URL(endpoint.base.href.replace(/^https:/, 'http:'));
    return attempt({ ...endpoint, base: httpBase, httpFallback: false }).catch((e: unknown) => {
      throw wrapTransport(e);
    });
  }
}

/**
 * dockerd's error when the registry asks for Basic auth and the request
 * carries no credentials (distribution's ErrNoBasicAuthCredentials): the
 * request is not retried without them.
 */
export function noBasicCredentials(): EngineError {
  return new EngineError('unauthorized', 'BERTH_REGISTRY_NO_CREDENTIALS', 'no basic auth credentials');
}

/** Network failures become unavailable EngineErrors (the message is Go's url.Error wording). */
export function wrapTransport(err: unknown): unknown {
  if (err instanceof TransportError) return new EngineError('unavailable', 'BERTH_REGISTRY_UNREACHABLE', err.message, { cause: err });
  return err;
}

/** What a registry's error answer says: its errors as Docker reads them (errcode.ts) and Docker's text of them. */
export interface RegistryAnswer {
  entries: RegistryErrorEntry[];
  /** Docker's text of the errors; without any, the body's text or the status line. */
  detail: string;
}

/** Reads an error answer's body (up to 64 KiB) and its Bearer challenge. */
export async function readRegistryAnswer(res: HttpResponse): Promise<RegistryAnswer> {
  const text = (await readBody(res, ERROR_BODY_LIMIT).catch(() => Buffer.alloc(0))).toString('utf8');
  const entries = registryErrorEntries(res.headers['www-authenticate'], text);
  const detail = entries.length ? formatRegistryErrors(entries) : errorText(text).slice(0, 300) || `${res.status} ${res.body.statusMessage ?? ''}`.trim();
  return { entries, detail };
}

/**
 * An error for an unexpected registry answer, worded as Docker prints the
 * registry's error ("manifest unknown: manifest unknown", "unauthorized: …"),
 * after `what` and ": " when `what` is given. A first error DENIED (a 403,
 * or a token that does not cover the request) is forbidden; otherwise
 * 401 → unauthorized, 404 → not-found, 429 → unavailable, else system.
 */
export async function registryError(res: HttpResponse, what: string): Promise<EngineError> {
  const { entries, detail } = await readRegistryAnswer(res);
  // A 429 whose body names no error is worded as Docker's TOOMANYREQUESTS.
  const text = res.status === 429 && !entries.length ? `toomanyrequests: ${detail}` : detail;
  const message = what ? `${what}: ${text}` : text;
  if (res.status === 403 || entries[0]?.code === 'DENIED') return new EngineError('forbidden', 'BERTH_REGISTRY_DENIED', message);
  if (res.status === 401) return new EngineError('unauthorized', 'BERTH_REGISTRY_UNAUTHORIZED', message);
  if (res.status === 404) return new EngineError('not-found', 'BERTH_REGISTRY_NOT_FOUND', message);
  if (res.status === 429) return new EngineError('unavailable', 'BERTH_REGISTRY_TOO_MANY_REQUESTS', message);
  return new EngineError('system', 'BERTH_REGISTRY_ERROR', message);
}
