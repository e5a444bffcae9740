/** POST /containers/{id}/update → {"Warnings": […]}. */
import type { FastifyRequest } from 'fastify';
import type { Engine } from '../../engine/api.js';
import type { Operations } from '../app.js';
import { notSupported } from '../errors.js';
import { toUpdateOptions, toUpdateResponse } from '../wire/update-body.js';

export function updateOperations(engine: Engine): Operations {
  async function postContainersUpdate(request: FastifyRequest) {
    if (!engine.updates) throw notSupported('update is not available');
    const result = await engine.updates.update((request.params as { id: string }).id, toUpdateOptions(request.body));
    return toUpdateResponse(result.warnings);
  }
  return { ContainerUpdate: { handler: postContainersUpdate } };
}
