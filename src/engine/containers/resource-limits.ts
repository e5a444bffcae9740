/**
 * dockerd's checks of a create's resource limits (verifyPlatformContainerResources),
 * in its order and words: memory limits no lower than 6 MB and consistent
 * with each other, CFS period and quota in range, NanoCpus within the host's
 * CPU count, CpusetCpus in the kernel's list format naming only CPUs the host
 * has. `docker update` checks its memory rules itself (update-resources.ts)
 * and the CPU rules here.
 */
import { invalid } from '../errors.js';
import type { Resources } from '../model/container.js';

const MIN_MEMORY = 6 * 1024 * 1024;

/** Throws dockerd's 400 for limits it refuses at create. Pure. */
export function checkResourceLimits(r: Resources, ncpu: number): void {
  const refuse = (message: string) => invalid('BERTH_CONTAINER_RESOURCES', message);
  if (r.memory !== 0 && r.memory < MIN_MEMORY) throw refuse('Minimum memory limit allowed is 6MB');
  if (r.memory > 0 && r.memorySwap > 0 && r.memorySwap < r.memory) throw refuse('Minimum memoryswap limit should be larger than memory limit, see usage');
  if (r.memory === 0 && r.memorySwap > 0) throw refuse('You should always set the Memory limit when using Memoryswap limit, see usage');
  const reservation = r.memoryReservation ?? 0;
  if (reservation > 0 && reservation < MIN_MEMORY) throw refuse('Minimum memory reservation allowed is 6MB');
  if (r.memory > 0 && reservation > 0 && r.memory < reservation) {
    throw refuse('Minimum memory limit can not be less than memory reservation limit, see usage');
  }
  checkCpuLimits(r, ncpu);
}

/** Throws dockerd's 400 when the limits ask for more CPUs than `ncpu`, or for CPUs the host lacks. Pure. */
export function checkCpuLimits(r: Pick<Resources, 'nanoCpus' | 'cpusetCpus' | 'cpuPeriod' | 'cpuQuota'>, ncpu: number): void {
  if (r.nanoCpus < 0 || r.nanoCpus > ncpu * 1e9) {
    throw invalid('BERTH_CONTAINER_CPUS_RANGE', `Range of CPUs is from 0.01 to ${ncpu}.00, as there are only ${ncpu} CPUs available`);
  }
  if (r.cpuPeriod !== 0 && (r.cpuPeriod < 1000 || r.cpuPeriod > 1_000_000)) {
    throw invalid('BERTH_CONTAINER_RESOURCES', 'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  }
  if (r.cpuQuota > 0 && r.cpuQuota < 1000) throw invalid('BERTH_CONTAINER_RESOURCES', 'CPU cfs quota can not be less than 1ms (i.e. 1000)');
  if (r.cpusetCpus === '') return;
  const cpus = parseCpuList(r.cpusetCpus);
  if (!cpus) throw invalid('BERTH_CONTAINER_CPUSET', `Invalid value ${r.cpusetCpus} for cpuset cpus: invalid format: ${r.cpusetCpus}`);
  if (cpus.some((c) => c >= ncpu)) {
    const available = ncpu === 1 ? '0' : `0-${ncpu - 1}`;
    throw invalid('BERTH_CONTAINER_CPUSET', `Requested CPUs are not available - requested ${r.cpusetCpus}, available: ${available}`);
  }
}

/** "0-2,5" → [0, 1, 2, 5]; null when it is not the kernel's list format. Pure. */
export function parseCpuList(list: string): number[] | null {
  const out: number[] = [];
  for (const part of list.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return null;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) return null;
    for (let c = from; c <= to && c <= from + 4096; c++) out.push(c);
  }
  return out;
}
