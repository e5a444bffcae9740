/** SystemInfo / VersionInfo → Docker's `/info` and `/version` JSON, and the headers of `_ping`. */
import type { SystemInfo, VersionInfo } from '../../engine/api.js';
import { MAX_API_VERSION, MIN_API_VERSION } from '../api-version.js';

/** Headers every response carries, as dockerd's; `version` is berth's own. */
export function commonHeaders(version: string): Readonly<Record<string, string>> {
  return { 'Api-Version': MAX_API_VERSION, Server: `Berth/${version} (linux)`, 'Docker-Experimental': 'false', Ostype: 'linux' };
}

/** Headers dockerd sends on `_ping`; the CLI reads API-Version and OSType. */
export const PING_HEADERS: Readonly<Record<string, string>> = {
  'API-Version': MAX_API_VERSION,
  OSType: 'linux',
  'Docker-Experimental': 'false',
  'Cache-Control': 'no-cache, no-store, must-revalidate',
  Pragma: 'no-cache',
  'Builder-Version': '1',
};

/** `GET /version`. The engine's own component comes first, then the engine's list. */
export function toVersion(v: VersionInfo): Record<string, unknown> {
  const engine = {
    Name: 'Engine',
    Version: v.version,
    Details: {
      ApiVersion: MAX_API_VERSION,
      MinAPIVersion: MIN_API_VERSION,
      GitCommit: v.gitCommit,
      GoVersion: v.nodeVersion,
      Os: v.os,
      Arch: v.arch,
      KernelVersion: v.kernelVersion,
      BuildTime: v.buildTime,
      Experimental: 'false',
    },
  };
  return {
    Platform: { Name: 'Berth Engine' },
    Components: [engine, ...v.components.map((c) => ({ Name: c.name, Version: c.version, Details: c.details }))],
    Version: v.version,
    ApiVersion: MAX_API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: v.gitCommit,
    GoVersion: v.nodeVersion,
    Os: v.os,
    Arch: v.arch,
    KernelVersion: v.kernelVersion,
    BuildTime: v.buildTime,
  };
}

/** `GET /info`; `now` is the SystemTime to report. */
export function toInfo(i: SystemInfo, now: Date): Record<string, unknown> {
  return {
    ID: i.id,
    Containers: i.containers,
    ContainersRunning: i.containersRunning,
    ContainersPaused: i.containersPaused,
    ContainersStopped: i.containersStopped,
    Images: i.images,
    Driver: i.driver || 'overlay2',
    DriverStatus: [],
    Plugins: { Volume: ['local'], Network: ['host', 'null'], Authorization: null, Log: ['json-file'] },
    MemoryLimit: true,
    SwapLimit: true,
    KernelMemory: false,
    KernelMemoryTCP: false,
    CpuCfsPeriod: true,
    CpuCfsQuota: true,
    CPUShares: true,
    CPUSet: true,
    PidsLimit: true,
    IPv4Forwarding: false,
    BridgeNfIptables: false,
    BridgeNfIp6tables: false,
    Debug: false,
    NFd: 0,
    OomKillDisable: false,
    NGoroutines: 0,
    SystemTime: now.toISOString(),
    LoggingDriver: i.loggingDriver || 'json-file',
    CgroupDriver: i.cgroupDriver,
    CgroupVersion: i.cgroupVersion,
    NEventsListener: 0,
    KernelVersion: i.kernelVersion,
    OperatingSystem: i.operatingSystem,
    OSVersion: '',
    OSType: i.osType || 'linux',
    Architecture: i.architecture,
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: {
      AllowNondistributableArtifactsCIDRs: [],
      AllowNondistributableArtifactsHostnames: [],
      InsecureRegistryCIDRs: [],
      IndexConfigs: {},
      Mirrors: [],
    },
    NCPU: i.ncpu,
    MemTotal: i.memTotal,
    GenericResources: null,
    DockerRootDir: i.dataRoot,
    HttpProxy: '',
    HttpsProxy: '',
    NoProxy: '',
    Name: i.name,
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: i.serverVersion,
    Runtimes: Object.fromEntries(Object.entries(i.runtimes).map(([k, r]) => [k, { path: r.path }])),
    DefaultRuntime: i.defaultRuntime,
    Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
    LiveRestoreEnabled: true,
    Isolation: '',
    InitBinary: '',
    ContainerdCommit: { ID: '', Expected: '' },
    RuncCommit: { ID: '', Expected: '' },
    InitCommit: { ID: '', Expected: '' },
    SecurityOptions: i.securityOptions,
    // dockerd sends null, not [], when it has nothing to warn about.
    Warnings: null,
  };
}
