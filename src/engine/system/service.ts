/** The system part of the engine facade: info and version. */
import type { SystemApi } from '../api/system.js';
import type { ContainersRepo } from '../../db/containers-repo.js';
import type { ImageService } from '../images/service.js';
import { infoCounter } from '../model/lifecycle.js';
import type { ContainerSpec, ContainerState, ContainerStatus } from '../model/container.js';
import type { EnginePaths } from '../paths.js';
import type { HostFacts } from './host-facts.js';

export interface SystemDeps {
  daemonId: string;
  version: string;
  paths: EnginePaths;
  host: HostFacts;
  repo: ContainersRepo<ContainerSpec, ContainerState>;
  images: ImageService;
  runtimeName: string;
  runtimePath: string;
  /** The versions conmon and the runtime print; asked once, at the first call. */
  binaryVersions(): Promise<{ conmon: string; runtime: string }>;
  defaultPidsLimit: number;
}

export function createSystemApi(deps: SystemDeps): SystemApi {
  return {
    async info() {
      const buckets = { running: 0, paused: 0, stopped: 0 };
      for (const [status, n] of deps.repo.countByStatus()) buckets[infoCounter(status as ContainerStatus)] += n;
      return {
        id: deps.daemonId,
        name: (await import('node:os')).hostname(),
        containers: buckets.running + buckets.paused + buckets.stopped,
        containersRunning: buckets.running,
        containersPaused: buckets.paused,
        containersStopped: buckets.stopped,
        images: deps.images.count(),
        driver: 'overlay2',
        dataRoot: deps.paths.dataRoot,
        execRoot: deps.paths.execRoot,
        cgroupVersion: deps.host.cgroupVersion,
        cgroupDriver: 'cgroupfs',
        runtimes: { [deps.runtimeName]: { path: deps.runtimePath } },
        defaultRuntime: deps.runtimeName,
        kernelVersion: deps.host.kernelVersion,
        operatingSystem: deps.host.operatingSystem,
        osType: 'linux',
        architecture: deps.host.architecture === 'amd64' ? 'x86_64' : deps.host.architecture,
        ncpu: deps.host.ncpu,
        memTotal: deps.host.memTotal,
        serverVersion: deps.version,
        loggingDriver: 'json-file',
        pidsLimitDefault: deps.defaultPidsLimit,
        securityOptions: ['name=seccomp,profile=builtin'],
      };
    },
    async version(): ReturnType<SystemApi['version']> {
      const binaries = await deps.binaryVersions();
      return {
        version: deps.version,
        gitCommit: process.env.BERTH_GIT_COMMIT ?? '',
        nodeVersion: process.version,
        os: 'linux',
        arch: deps.host.architecture,
        kernelVersion: deps.host.kernelVersion,
        buildTime: '',
        components: [
          { name: 'conmon', version: binaries.conmon, details: { Package: 'conmon' } },
          { name: deps.runtimeName, version: binaries.runtime, details: { Path: deps.runtimePath } },
        ],
      };
    },
  };
}
