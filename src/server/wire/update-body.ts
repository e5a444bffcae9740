/**
 * The body of POST /containers/{id}/update (Resources plus RestartPolicy)
 * as the engine's update options: absent or zero fields leave a value as
 * it is; PidsLimit 0 or negative means unlimited, absent or null unchanged.
 */
import type { ContainerUpdateOptions } from '../../engine/api.js';
import { badRequest } from '../errors.js';
import { intField, stringField, type Json } from './body-fields.js';
import { parseResources, parseRestartPolicy } from './create-body.js';

export function toUpdateOptions(body: unknown): ContainerUpdateOptions {
  if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) throw badRequest('the update body must be a JSON object');
  const b = (body ?? {}) as Json;
  const r = parseResources({ ...b, PidsLimit: null, Ulimits: null });
  const pids = b.PidsLimit;
  if (pids !== undefined && pids !== null && (typeof pids !== 'number' || !Number.isSafeInteger(pids))) throw badRequest('PidsLimit must be an integer');
  const hasPolicy = b.RestartPolicy !== undefined && b.RestartPolicy !== null && stringField(b.RestartPolicy as Json, 'Name', 'RestartPolicy.Name') !== '';
  return {
    memory: r.memory,
    memorySwap: r.memorySwap,
    nanoCpus: r.nanoCpus,
    cpuShares: r.cpuShares,
    cpuQuota: r.cpuQuota,
    cpuPeriod: r.cpuPeriod,
    cpusetCpus: r.cpusetCpus,
    cpusetMems: stringField(b, 'CpusetMems', 'CpusetMems'),
    blkioWeight: intField(b, 'BlkioWeight', 'BlkioWeight', 0),
    pidsLimit: typeof pids === 'number' ? (pids <= 0 ? -1 : pids) : null,
    restartPolicy: hasPolicy ? parseRestartPolicy(b) : null,
  };
}

/** The answer of POST /containers/{id}/update; Warnings is null when there are none, as dockerd's nil slice. */
export function toUpdateResponse(warnings: string[]): { Warnings: string[] | null } {
  return { Warnings: warnings.length > 0 ? warnings : null };
}
