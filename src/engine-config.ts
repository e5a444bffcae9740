/** The engine's settings from berthd's configuration: one mapping for the daemon and `berthd check --repair`. */
import type { Config } from './config.js';
import { resolveBinary } from './engine/host/binaries.js';
import type { EngineConfig } from './engine/index.js';

export function engineConfig(config: Config, version: string): EngineConfig {
  return {
    dataRoot: config.dataRoot,
    execRoot: config.execRoot,
    runtimeName: config.runtime.includes('/') ? 'runc' : config.runtime,
    runtimePath: resolveBinary(config.runtime),
    conmonPath: resolveBinary('conmon'),
    cgroupParent: config.cgroupParent,
    logSizeMax: config.logSizeMax,
    defaultPidsLimit: config.defaultPidsLimit,
    shmSize: 64 * 1024 * 1024,
    logLevel: config.logLevel,
    version,
  };
}
