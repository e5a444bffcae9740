/** The engine's settings from berthd's configuration: one mapping for the daemon and `berthd check --repair`. */
import { DEFAULTS, type Config } from './config.js';
import { networkHelper, resolveBinary } from './engine/host/binaries.js';
import type { EngineConfig } from './engine/index.js';
import { defaultBridgeName } from './engine/networks/defaults.js';

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
    eventsRetention: { maxCount: config.eventsRetentionCount, maxAgeMs: config.eventsRetentionAge * 1000 },
    shmSize: 64 * 1024 * 1024,
    logLevel: config.logLevel,
    version,
    defaultBridge: defaultBridgeName(config.dataRoot, DEFAULTS.dataRoot),
    bip: config.bip,
    addressPools: config.defaultAddressPools,
    netavarkPath: networkHelper('netavark', process.env.BERTH_NETAVARK),
    aardvarkPath: networkHelper('aardvark-dns', process.env.BERTH_AARDVARK_DNS),
    registry: { insecureRegistries: config.insecureRegistries, mirrors: config.registryMirrors, certsDir: config.certsDir },
  };
}
