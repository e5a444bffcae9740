/**
 * The request floor of a Node daemon: node's own HTTP server, started with
 * berthd's flags, answering every request on a unix socket with one fixed
 * JSON body the size of an inspect answer, without a framework, routing,
 * validation or a database. Timed with the same client as the engines, it
 * is the least any Node process can answer an inspect in.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { NODE_FLAGS } from '../src/node-flags.js';
import { killChild } from './proc.js';

export class HttpFloor {
  #child: ChildProcess | null = null;
  /** The server's socket once started. */
  socket: string | null = null;

  /** Starts the server with a socket in `dir`; `body` is what every request gets. */
  async start(dir: string, body: string): Promise<void> {
    const socket = path.join(dir, 'http-floor.sock');
    const script =
      `const body = Buffer.from(process.env.BODY);` +
      ` require('node:http').createServer((req, res) => { req.resume();` +
      ` res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length }); res.end(body); })` +
      `.listen(process.env.SOCKET, () => process.stdout.write('ready\\n'));`;
    const child = spawn(process.execPath, [...NODE_FLAGS, '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, BODY: body, SOCKET: socket },
    });
    this.#child = child;
    await once(child.stdout, 'data');
    this.socket = socket;
  }

  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    await killChild(child);
  }
}
