/** System routes: `_ping` (HEAD and GET), `/version`, `/info`. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Engine } from '../../engine/api.js';
import { MAX_API_VERSION } from '../api-version.js';
import type { Operations } from './operation.js';
import { toInfo, toVersion } from '../wire/system.js';

/** Headers dockerd sends on `_ping`; the CLI reads API-Version and OSType. */
const PING_HEADERS: Readonly<Record<string, string>> = {
  'API-Version': MAX_API_VERSION,
  OSType: 'linux',
  'Docker-Experimental': 'false',
  'Cache-Control': 'no-cache, no-store, must-revalidate',
  Pragma: 'no-cache',
  'Builder-Version': '1',
};

export function systemOperations(engine: Engine): Operations {
  function headPing(_request: FastifyRequest, reply: FastifyReply) {
    reply.headers(PING_HEADERS).type('text/plain; charset=utf-8').header('Content-Length', '0');
    return reply.send('');
  }
  function getPing(_request: FastifyRequest, reply: FastifyReply) {
    return reply.headers(PING_HEADERS).type('text/plain; charset=utf-8').send('OK');
  }
  async function getVersion() {
    return toVersion(await engine.system.version());
  }
  async function getInfo() {
    return toInfo(await engine.system.info(), new Date());
  }
  return {
    SystemPingHead: { handler: headPing },
    SystemPing: { handler: getPing },
    SystemVersion: { handler: getVersion },
    SystemInfo: { handler: getInfo },
  };
}
