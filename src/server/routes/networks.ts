/** Network routes: list, inspect, create, remove, prune, connect, disconnect. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Engine, NetworksApi } from '../../engine/api.js';
import type { Operations } from './operation.js';
import { badRequest } from '../errors.js';
import { objectField, stringField, boolField, type Json } from '../wire/body-fields.js';
import { parseEndpointConfig } from '../wire/create-network-fields.js';
import { queryFilters, type Query } from '../query.js';
import { toCreateNetworkOptions, toNetworkCreateResponse, toNetworkJson, toNetworkPruneResponse } from '../wire/networks.js';

type Req = FastifyRequest;
const q = (request: Req) => request.query as Query;
const id = (request: Req) => (request.params as { id: string }).id;
const bodyOf = (request: Req): Json => (request.body && typeof request.body === 'object' ? (request.body as Json) : {});

export function networkOperations(engine: Engine): Operations {
  const api = (): NetworksApi => {
    if (!engine.networks) throw badRequest('networks are not available in this engine');
    return engine.networks;
  };
  const filters = (request: Req) => queryFilters(q(request).filters);

  function getNetworks(request: Req) {
    return api()
      .list(filters(request))
      .map((n) => toNetworkJson(n, false));
  }

  function getNetworksId(request: Req) {
    return toNetworkJson(api().inspect(id(request)), true);
  }

  async function postNetworksCreate(request: Req, reply: FastifyReply) {
    const created = await api().create(toCreateNetworkOptions(request.body));
    return reply.code(201).send(toNetworkCreateResponse(created.id, created.warning));
  }

  async function deleteNetworksId(request: Req, reply: FastifyReply) {
    await api().remove(id(request));
    return reply.code(204).send();
  }

  async function postNetworksPrune(request: Req) {
    const removed = await api().prune(filters(request));
    return toNetworkPruneResponse(removed);
  }

  async function postNetworksConnect(request: Req) {
    const body = bodyOf(request);
    const container = stringField(body, 'Container', 'Container');
    if (!container) throw badRequest('Container is required');
    await api().connect(id(request), container, parseEndpointConfig(objectField(body, 'EndpointConfig', 'EndpointConfig')));
    return '';
  }

  async function postNetworksDisconnect(request: Req) {
    const body = bodyOf(request);
    const container = stringField(body, 'Container', 'Container');
    if (!container) throw badRequest('Container is required');
    await api().disconnect(id(request), container, boolField(body, 'Force', 'Force'));
    return '';
  }

  return {
    NetworkList: { handler: getNetworks },
    NetworkInspect: { handler: getNetworksId },
    NetworkCreate: { handler: postNetworksCreate },
    NetworkDelete: { handler: deleteNetworksId },
    NetworkPrune: { handler: postNetworksPrune },
    NetworkConnect: { handler: postNetworksConnect },
    NetworkDisconnect: { handler: postNetworksDisconnect },
  };
}
