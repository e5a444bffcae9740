/** System routes: `_ping` (HEAD and GET), `/version`, `/info`. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Engine } from '../../engine/api.js';
import type { Operations } from './operation.js';
import { PING_HEADERS, toInfo, toVersion } from '../wire/system.js';

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
