/** Test certificates made with openssl: a CA and leaves signed by it, for TLS tests on 127.0.0.1. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA (`<name>-ca.pem`) and, per leaf, `<leaf>-cert.pem`/`<leaf>-key.pem` signed by it. */
export function makePki(dir: string, name: string, leaves: { leaf: string; ext: string }[]): void {
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${name} CA`,
    '-keyout',
    `${name}-ca-key.pem`,
    '-out',
    `${name}-ca.pem`,
  ]);
  for (const { leaf, ext } of leaves) {
    fs.writeFileSync(path.join(dir, `${leaf}.ext`), ext);
    openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${leaf}`, '-keyout', `${leaf}-key.pem`, '-out', `${leaf}.csr`]);
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${leaf}.csr`,
      '-CA',
      `${name}-ca.pem`,
      '-CAkey',
      `${name}-ca-key.pem`,
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      `${leaf}.ext`,
      '-out',
      `${leaf}-cert.pem`,
    ]);
  }
}
