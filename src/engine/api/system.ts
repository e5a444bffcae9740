/** Facade area `engine.system`: what `/info` and `/version` report. */

export interface SystemInfo {
  id: string;
  name: string;
  containers: number;
  containersRunning: number;
  containersPaused: number;
  containersStopped: number;
  images: number;
  driver: string;
  dataRoot: string;
  execRoot: string;
  cgroupVersion: '1' | '2';
  cgroupDriver: string;
  runtimes: Record<string, { path: string }>;
  defaultRuntime: string;
  kernelVersion: string;
  operatingSystem: string;
  osType: string;
  architecture: string;
  ncpu: number;
  memTotal: number;
  serverVersion: string;
  loggingDriver: string;
  pidsLimitDefault: number;
  securityOptions: string[];
}

export interface VersionInfo {
  version: string;
  gitCommit: string;
  nodeVersion: string;
  os: string;
  arch: string;
  kernelVersion: string;
  buildTime: string;
  components: Array<{ name: string; version: string; details: Record<string, string> }>;
}

export interface SystemApi {
  info(): Promise<SystemInfo>;
  version(): Promise<VersionInfo>;
}
