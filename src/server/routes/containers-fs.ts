/**
 * Container filesystem routes: export (ContainerExport) and diff
 * (ContainerChanges).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Engine } from '../../engine/api.js';
import type { Operations } from '../app.js';

const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;

export function containerFsOperations(engine: Engine): Operations {
  const files = engine.containerFiles;

  /** The tar streams with back-pressure; a client that leaves destroys it, which ends tar and unmounts. */
  async function getContainersExport(request: FastifyRequest, reply: FastifyReply) {
    const stream = await files.export(idOf(request));
    reply.raw.on('close', () => stream.destroy());
    return reply.code(200).type('application/x-tar').send(stream);
  }

  /** Docker answers null (not []) when nothing changed. */
  async function getContainersChanges(request: FastifyRequest) {
    const changes = await files.changes(idOf(request));
    return changes.length ? changes.map((c) => ({ Path: c.path, Kind: c.kind })) : null;
  }

  return {
    ContainerExport: { handler: getContainersExport, long: true },
    ContainerChanges: { handler: getContainersChanges, long: true },
  };
}
