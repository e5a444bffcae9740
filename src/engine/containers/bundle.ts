/**
 * A container's OCI bundle: the one place berth turns a container's record
 * and the daemon's settings into runc's config.json. launch.ts writes it
 * before the runtime's create; the benchmark's floor (bench/floor.ts) calls
 * the same function, so the floor runs exactly the spec berth would run and
 * a ratio to it measures only what the daemon adds.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { containerFiles } from '../paths.js';
import { buildOciSpec, serializeOciSpec, type HostAccess } from '../runtime/oci-spec.js';
import type { OciSpec } from '../runtime/oci-types.js';
import type { EngineSettings } from './context.js';
import type { ContainerSpec } from '../model/container.js';
import { resolveUser } from '../container-root/user.js';

/** What a bundle is built from: the container's id and spec, and where its files are. */
export interface BundleSource {
  id: string;
  spec: ContainerSpec;
  files: ReturnType<typeof containerFiles>;
  /** The network namespace to join; absent = runc makes a private one. */
  netnsPath?: string;
  /** What the record's host settings resolved to at start (host-options.ts); absent = none. */
  host?: HostAccess;
}

/** The OCI spec of a container whose root is mounted at `files.merged` (the user is resolved in it). */
export async function containerOciSpec(settings: EngineSettings, src: BundleSource): Promise<{ spec: OciSpec; warnings: string[] }> {
  const { files } = src;
  return buildOciSpec({
    id: src.id,
    spec: src.spec,
    rootfs: files.merged,
    user: await resolveUser(files.merged, src.spec.user),
    hostsPath: files.hosts,
    hostnamePath: files.hostname,
    resolvConfPath: files.resolvConf,
    netnsPath: src.netnsPath,
    cgroupsPath: `/${settings.cgroupParent}/${src.id}`,
    hostRlimits: settings.hostRlimits,
    defaultPidsLimit: settings.defaultPidsLimit,
    shmSize: settings.shmSize,
    hostCapabilities: settings.hostCapabilities,
    cpuCount: settings.cpuCount,
    host: src.host,
  });
}

/** Writes `<bundleDir>/config.json`; resolves with the spec builder's warnings. */
export async function writeBundle(settings: EngineSettings, src: BundleSource, bundleDir: string): Promise<string[]> {
  const { spec, warnings } = await containerOciSpec(settings, src);
  await fs.mkdir(bundleDir, { recursive: true, mode: 0o700 });
  await fs.writeFile(path.join(bundleDir, 'config.json'), serializeOciSpec(spec));
  return warnings;
}
