/**
 * A token server for a real registry in token-auth mode (the scheme of
 * Docker Hub, GHCR, Harbor…): GET /token with Basic credentials or none,
 * `service` and `scope` parameters → a JWT (RS256) whose `access` claim
 * holds what `grant` allows of each requested scope. The registry verifies
 * the signature against `rootCertBundle` (the signing certificate travels
 * in the `x5c` header) and each request's actions against the claim, so a
 * client that asks for too little is refused by the registry itself.
 * Every request is recorded in `requests`.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { makePki } from './pki.js';

/** One `scope` parameter: `repository:team/app:pull,push`. */
export interface Scope {
  type: string;
  name: string;
  actions: string[];
}

/** What the token server was asked: the account (null: anonymous), whether its password was wrong, the scopes as sent. */
export interface TokenRequest {
  account: string | null;
  refused: boolean;
  service: string;
  scopes: string[];
}

export interface TokenServerOptions {
  /** Users and their passwords; a wrong password answers 401. */
  users: Record<string, string>;
  /** The actions `account` (null: anonymous) gets of `scope`: a subset of scope.actions. */
  grant(account: string | null, scope: Scope): string[];
}

export interface TokenServer {
  /** http://127.0.0.1:PORT/token */
  realm: string;
  service: string;
  issuer: string;
  /** PEM file the registry trusts for token signatures. */
  rootCertBundle: string;
  requests: TokenRequest[];
  close(): Promise<void>;
}

const SERVICE = 'berth-test-registry';
const ISSUER = 'berth-test-token-server';

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

function parseScope(text: string): Scope | null {
  const parts = text.split(':');
  if (parts.length < 3) return null;
  return { type: parts[0], name: parts.slice(1, -1).join(':'), actions: parts[parts.length - 1].split(',').filter(Boolean) };
}

/** The Basic credentials' user when they are right; null without credentials; undefined when wrong. */
function account(req: http.IncomingMessage, users: Record<string, string>): string | null | undefined {
  const header = req.headers.authorization;
  if (!header) return null;
  const [scheme, value] = header.split(' ');
  if (scheme?.toLowerCase() !== 'basic' || !value) return undefined;
  const text = Buffer.from(value, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  const user = text.slice(0, colon);
  return colon > 0 && users[user] !== undefined && users[user] === text.slice(colon + 1) ? user : undefined;
}

/** Starts the server in `dir` (which the caller removes); its certificate and key are made there with openssl. */
export async function startTokenServer(dir: string, opts: TokenServerOptions): Promise<TokenServer> {
  makePki(dir, 'token', []);
  const certPem = fs.readFileSync(path.join(dir, 'token-ca.pem'), 'utf8');
  const key = crypto.createPrivateKey(fs.readFileSync(path.join(dir, 'token-ca-key.pem')));
  const x5c = new crypto.X509Certificate(certPem).raw.toString('base64');
  const requests: TokenRequest[] = [];

  const sign = (subject: string, access: Scope[]): string => {
    const now = Math.floor(Date.now() / 1000);
    const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [x5c] }));
    const claims = { iss: ISSUER, sub: subject, aud: SERVICE, exp: now + 300, nbf: now - 10, iat: now, jti: crypto.randomUUID(), access };
    const body = `${header}.${base64url(JSON.stringify(claims))}`;
    return `${body}.${base64url(crypto.sign('sha256', Buffer.from(body), key))}`;
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/token') return void res.writeHead(404).end();
    const who = account(req, opts.users);
    const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ').filter(Boolean));
    requests.push({ account: who ?? null, refused: who === undefined, service: url.searchParams.get('service') ?? '', scopes });
    if (who === undefined) return void res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"details":"incorrect username or password"}');
    const access = scopes
      .map(parseScope)
      .filter((s): s is Scope => s !== null)
      .map((s) => ({ ...s, actions: opts.grant(who, s).filter((a) => s.actions.includes(a)) }));
    const token = sign(who ?? '', access);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token, access_token: token, expires_in: 300 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service: SERVICE,
    issuer: ISSUER,
    rootCertBundle: path.join(dir, 'token-ca.pem'),
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
