/**
 * `docker update`'s rules, pure: which stored values an update request
 * changes (zero/empty = unchanged, as dockerd's UpdateContainer), Docker's
 * conflicts, and the resources JSON handed to `runc update`.
 */
import { conflict, invalid } from '../errors.js';
import type { OciResources } from '../runtime/oci-types.js';
import { buildResources } from '../runtime/oci-spec.js';
import type { ContainerSpec, Resources } from '../model/container.js';
import type { ContainerUpdateOptions } from '../api/update.js';

const MIN_MEMORY = 6 * 1024 * 1024;

const conflicting = (message: string) => conflict('BERTH_UPDATE_CONFLICT', `Conflicting options: ${message}`);

/** The spec after the update, or Docker's error. */
export function mergeUpdate(spec: ContainerSpec, u: ContainerUpdateOptions): Pick<ContainerSpec, 'resources' | 'restartPolicy'> {
  const r: Resources = { ...spec.resources, ulimits: [...spec.resources.ulimits] };
  if (u.blkioWeight !== 0) {
    if (u.blkioWeight < 10 || u.blkioWeight > 1000) throw invalid('BERTH_UPDATE_BLKIO_WEIGHT', 'Range of blkio weight is from 10 to 1000');
    r.blkioWeight = u.blkioWeight;
  }
  if (u.cpuShares !== 0) r.cpuShares = u.cpuShares;
  if (u.nanoCpus !== 0) {
    if (r.cpuPeriod !== 0 && u.cpuPeriod === 0) throw conflicting('Nano CPUs cannot be updated as CPU Period has already been set');
    if (r.cpuQuota !== 0 && u.cpuQuota === 0) throw conflicting('Nano CPUs cannot be updated as CPU Quota has already been set');
    r.nanoCpus = u.nanoCpus;
  }
  if (u.cpuPeriod !== 0) {
    if (r.nanoCpus !== 0 && u.nanoCpus === 0) throw conflicting('CPU Period cannot be updated as NanoCPUs has already been set');
    r.cpuPeriod = u.cpuPeriod;
  }
  if (u.cpuQuota !== 0) {
    if (r.nanoCpus !== 0 && u.nanoCpus === 0) throw conflicting('CPU Quota cannot be updated as NanoCPUs has already been set');
    r.cpuQuota = u.cpuQuota;
  }
  if (u.cpusetCpus !== '') r.cpusetCpus = u.cpusetCpus;
  if (u.cpusetMems !== '') r.cpusetMems = u.cpusetMems;
  if (u.memory !== 0) {
    if (u.memory < MIN_MEMORY) throw invalid('BERTH_UPDATE_MEMORY', 'Minimum memory limit allowed is 6MB');
    if (r.memorySwap > 0 && u.memory > r.memorySwap && u.memorySwap === 0) {
      throw conflicting('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
    }
    r.memory = u.memory;
  }
  if (u.memorySwap !== 0) {
    if (u.memorySwap > 0 && u.memorySwap < r.memory)
      throw invalid('BERTH_UPDATE_SWAP', 'Minimum memoryswap limit should be larger than memory limit, see usage');
    r.memorySwap = u.memorySwap;
  }
  if (u.pidsLimit !== null) r.pidsLimit = u.pidsLimit;
  let restartPolicy = spec.restartPolicy;
  if (u.restartPolicy) {
    if (spec.autoRemove && u.restartPolicy.name !== 'no') {
      throw conflict('BERTH_UPDATE_AUTOREMOVE', 'Restart policy cannot be updated because AutoRemove is enabled for the container');
    }
    restartPolicy = u.restartPolicy;
  }
  return { resources: r, restartPolicy };
}

/**
 * The LinuxResources JSON for `runc update`: the container's whole
 * effective limits (runc leaves a zero value as it is), without devices
 * (runc update does not change device rules).
 */
export function buildUpdateResources(r: Resources, defaultPidsLimit: number): OciResources {
  const { devices: _devices, ...rest } = buildResources(r, false, defaultPidsLimit);
  void _devices;
  return { devices: [], ...rest };
}
