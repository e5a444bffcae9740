/** Volume routes: list, create, inspect, delete, prune. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Engine, Filters } from '../../engine/api.js';
import { compareVersions, requestApiVersion } from '../api-version.js';
import type { Operations } from './operation.js';
import { queryBool, queryFilters, type Query } from '../query.js';
import { toCreateVolumeOptions, toVolume, toVolumeList, toVolumePrune } from '../wire/volumes.js';

type Req = FastifyRequest;
const q = (request: Req) => request.query as Query;
const filtersOf = (request: Req): Filters => queryFilters(q(request).filters);
const nameOf = (request: Req) => (request.params as { name: string }).name;

/**
 * API 1.42 made prune remove only anonymous volumes unless `all=true`;
 * before, it removed every unused volume. Older requests get `all` set.
 */
export function pruneFilters(filters: Filters, apiVersion: string): Filters {
  if (compareVersions(apiVersion, '1.42') >= 0 || filters.has('all')) return filters;
  return new Map([...filters, ['all', ['true']]]);
}

export function volumeOperations(engine: Engine): Operations {
  const v = engine.volumes;
  async function getVolumes(request: Req) {
    return toVolumeList(await v.list(filtersOf(request)));
  }
  async function postVolumesCreate(request: Req, reply: FastifyReply) {
    return reply.code(201).send(toVolume(await v.create(toCreateVolumeOptions(request.body))));
  }
  async function getVolume(request: Req) {
    return toVolume(await v.inspect(nameOf(request)));
  }
  async function deleteVolume(request: Req, reply: FastifyReply) {
    await v.remove(nameOf(request), { force: queryBool(q(request).force) });
    return reply.code(204).send();
  }
  async function postVolumesPrune(request: Req) {
    return toVolumePrune(await v.prune(pruneFilters(filtersOf(request), requestApiVersion(request.raw))));
  }
  return {
    VolumeList: { handler: getVolumes },
    VolumeCreate: { handler: postVolumesCreate },
    VolumeInspect: { handler: getVolume },
    VolumeDelete: { handler: deleteVolume },
    VolumePrune: { handler: postVolumesPrune, long: true },
  };
}
