/**
 * A tiny Docker Engine API (v1.41) client over a unix socket: node:http with
 * a keep-alive agent, so a benchmark measures the engine and not connection
 * setup or a CLI. Only what the scenarios need.
 */
import fs from 'node:fs';
import http from 'node:http';

export const API = '/v1.41';

export interface ApiResponse {
  status: number;
  body: Buffer;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    body: string,
  ) {
    super(`${method} ${path} → ${status}: ${body.slice(0, 300)}`);
  }
}

/** `unix:///run/x.sock` or a bare path → the socket path. */
export function socketPath(host: string): string {
  return host.startsWith('unix://') ? host.slice('unix://'.length) : host;
}

export class DockerClient {
  readonly socket: string;
  readonly #agent: http.Agent;

  constructor(host: string) {
    this.socket = socketPath(host);
    this.#agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  }

  /** Closes pooled connections. */
  close(): void {
    this.#agent.destroy();
  }

  /** One request; the whole body is buffered. Never throws on HTTP status, only on transport errors. */
  request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
      const req = http.request(
        {
          socketPath: this.socket,
          agent: this.#agent,
          method,
          path,
          headers: {
            Host: 'docker',
            ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Like request, but a status outside 2xx/304 throws an ApiError; returns the parsed JSON (or null when empty). */
  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.request(method, API + path, body);
    if (res.status >= 300 && res.status !== 304) throw new ApiError(res.status, method, path, res.body.toString());
    return (res.body.length ? JSON.parse(res.body.toString()) : null) as T;
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.request('GET', '/_ping')).status === 200;
    } catch {
      return false;
    }
  }

  async create(config: Record<string, unknown>, name?: string): Promise<string> {
    const q = name ? `?name=${encodeURIComponent(name)}` : '';
    return (await this.call<{ Id: string }>('POST', `/containers/create${q}`, config)).Id;
  }

  async start(id: string): Promise<void> {
    await this.call('POST', `/containers/${id}/start`);
  }

  async wait(id: string): Promise<number> {
    return (await this.call<{ StatusCode: number }>('POST', `/containers/${id}/wait`)).StatusCode;
  }

  async remove(id: string, force = false): Promise<void> {
    await this.call('DELETE', `/containers/${id}?force=${force ? 1 : 0}`);
  }

  async list(query: string): Promise<Array<{ Id: string }>> {
    return this.call('GET', `/containers/json${query}`);
  }

  async inspect(id: string): Promise<Record<string, unknown>> {
    return this.call('GET', `/containers/${id}/json`);
  }

  async imageExists(ref: string): Promise<boolean> {
    return (await this.request('GET', `${API}/images/${encodeURIComponent(ref)}/json`)).status === 200;
  }

  /** POST /images/create?fromSrc=- with a rootfs tar; errors inside the 200 progress stream throw too. */
  async importImage(tarPath: string, repo: string, tag: string): Promise<void> {
    const res = await this.request('POST', `${API}/images/create?fromSrc=-&repo=${repo}&tag=${tag}`, fs.readFileSync(tarPath), {
      'Content-Type': 'application/x-tar',
    });
    const text = res.body.toString();
    if (res.status !== 200 || /"error/.test(text)) throw new ApiError(res.status, 'POST', '/images/create', text);
  }

  /**
   * GET /containers/{id}/logs with follow; reads to the end and returns the
   * payload byte count after removing Docker's 8-byte stream headers
   * (non-TTY containers). The frames are counted, never copied.
   */
  logsFollow(id: string, follow = true): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          socketPath: this.socket,
          agent: false,
          method: 'GET',
          path: `${API}/containers/${id}/logs?follow=${follow ? 1 : 0}&stdout=1&stderr=1`,
          headers: { Host: 'docker' },
        },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            return reject(new ApiError(res.statusCode ?? 0, 'GET', 'logs', ''));
          }
          const deframer = new Deframer();
          res.on('data', (c: Buffer) => deframer.push(c));
          res.on('end', () => resolve(deframer.payloadBytes));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  /**
   * GET /events with `query` (already encoded), streamed: `onEvent` gets
   * every JSON object as it arrives (the engines write one per line).
   * Resolves once the response headers are in (the subscription is live);
   * `close()` ends it.
   */
  subscribeEvents(query: string, onEvent: (e: Record<string, unknown>) => void): Promise<{ close(): void }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ socketPath: this.socket, agent: false, method: 'GET', path: `${API}/events${query}`, headers: { Host: 'docker' } }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return reject(new ApiError(res.statusCode ?? 0, 'GET', 'events', ''));
        }
        let pending = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          const parts = (pending + c).split('\n');
          pending = parts.pop()!;
          for (const line of parts) if (line.trim()) onEvent(JSON.parse(line) as Record<string, unknown>);
        });
        res.on('error', () => undefined); // close() aborts the response
        resolve({ close: () => req.destroy() });
      });
      req.on('error', reject);
      req.end();
    });
  }

  /**
   * exec create + attached start (stdout/stderr, no TTY) + inspect.
   * Resolves 'unsupported' when the engine answers exec create with 404/501.
   */
  async exec(id: string, cmd: string[]): Promise<{ exitCode: number } | 'unsupported'> {
    const created = await this.request('POST', `${API}/containers/${id}/exec`, { Cmd: cmd, AttachStdout: true, AttachStderr: true });
    if (created.status === 404 || created.status === 501) {
      // 404 also means "no such container"; only a missing route counts as unsupported.
      if (created.status === 501 || !/no such container/i.test(created.body.toString())) return 'unsupported';
    }
    if (created.status !== 201) throw new ApiError(created.status, 'POST', 'exec', created.body.toString());
    const execId = (JSON.parse(created.body.toString()) as { Id: string }).Id;
    await this.#execStart(execId);
    const info = await this.call<{ ExitCode: number | null }>('GET', `/exec/${execId}/json`);
    return { exitCode: info.ExitCode ?? -1 };
  }

  /** Attached exec start: the engine streams output and closes the connection at the end. */
  #execStart(execId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const payload = Buffer.from(JSON.stringify({ Detach: false, Tty: false }));
      const req = http.request({
        socketPath: this.socket,
        agent: false,
        method: 'POST',
        path: `${API}/exec/${execId}/start`,
        headers: { Host: 'docker', 'Content-Type': 'application/json', 'Content-Length': String(payload.length), Connection: 'Upgrade', Upgrade: 'tcp' },
      });
      req.on('upgrade', (_res, socket) => {
        socket.resume();
        socket.on('end', () => {
          socket.destroy();
          resolve();
        });
        socket.on('close', () => resolve());
        socket.on('error', reject);
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new ApiError(res.statusCode ?? 0, 'POST', 'exec start', Buffer.concat(chunks).toString())),
        );
      });
      req.on('error', reject);
      req.end(payload);
    });
  }
}

/** Counts the payload bytes of a Docker multiplexed stream (8-byte header: stream, 0, 0, 0, big-endian length). */
export class Deframer {
  payloadBytes = 0;
  #header = Buffer.alloc(8);
  #headerFill = 0;
  #remaining = 0;

  push(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, chunk.length - i);
        this.payloadBytes += take;
        this.#remaining -= take;
        i += take;
        continue;
      }
      if (this.#headerFill === 0 && chunk.length - i >= 8) {
        // The usual case: a whole header inside the chunk, read in place.
        this.#remaining = chunk.readUInt32BE(i + 4);
        i += 8;
        continue;
      }
      const take = Math.min(8 - this.#headerFill, chunk.length - i);
      chunk.copy(this.#header, this.#headerFill, i, i + take);
      this.#headerFill += take;
      i += take;
      if (this.#headerFill === 8) {
        this.#remaining = this.#header.readUInt32BE(4);
        this.#headerFill = 0;
      }
    }
  }
}
