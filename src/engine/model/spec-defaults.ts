/**
 * The one source of truth for what a container create "with no fields"
 * means: Docker's defaults, exactly the values the wire parser
 * (src/server/wire/create-body.ts) gives for an empty create body
 * (`{"Image": …}` and nothing else). A unit test
 * (test/unit/spec-defaults.test.ts) holds the two together.
 *
 * Contract:
 * - every call returns a fresh object (fresh arrays and nested objects), so
 *   a caller may change what it gets without touching anyone else's;
 * - overrides replace whole fields (a shallow spread; `resources` and
 *   `restartPolicy` are not merged), and each caller passes only its own;
 * - only the fields every ContainerSpec has are set; the optional ones
 *   (volumesFrom, portBindings, dns…, healthcheck) stay absent, as in
 *   records made before those fields existed;
 * - the image-merged fields that are not part of create options (image,
 *   imageId, cmd, entrypoint) are the caller's to add. Note that a create
 *   merges stopSignal '' with the image's (SIGTERM by default), and that
 *   Docker's API (unlike its CLI) does not attach stdout/stderr unless asked.
 */
import type { ContainerSpec, Resources } from './container.js';

/** A ContainerSpec less what only the image merge fills in; what CreateContainerOptions.spec holds. */
export type ContainerCreateSpec = Omit<ContainerSpec, 'image' | 'imageId' | 'cmd' | 'entrypoint'>;

/** No limits: what HostConfig without resource fields gives. */
export function defaultResources(overrides: Partial<Resources> = {}): Resources {
  return {
    memory: 0,
    memorySwap: 0,
    nanoCpus: 0,
    cpuShares: 0,
    cpuQuota: 0,
    cpuPeriod: 0,
    cpusetCpus: '',
    pidsLimit: null,
    ulimits: [],
    ...overrides,
  };
}

/** The create spec of an empty create body, with `overrides` on top. */
export function defaultCreateSpec(overrides: Partial<ContainerCreateSpec> = {}): ContainerCreateSpec {
  return {
    env: [],
    workingDir: '',
    user: '',
    hostname: '',
    domainname: '',
    labels: {},
    stopSignal: '',
    stopTimeout: null,
    tty: false,
    openStdin: false,
    stdinOnce: false,
    attachStdin: false,
    attachStdout: false,
    attachStderr: false,
    exposedPorts: [],
    mounts: [],
    readonlyRootfs: false,
    resources: defaultResources(),
    capAdd: [],
    capDrop: [],
    privileged: false,
    noNewPrivileges: false,
    securityOpt: [],
    networkMode: '',
    autoRemove: false,
    restartPolicy: { name: 'no', maximumRetryCount: 0 },
    consoleSize: null,
    ...overrides,
  };
}

/**
 * The paths every unprivileged container gets masked / read-only when its
 * spec names none (the OCI spec's maskedPaths and readonlyPaths; inspect
 * echoes them, as dockerd does).
 */
export const MASKED_PATHS: readonly string[] = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/interrupts',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/sys/devices/virtual/powercap',
  '/sys/firmware',
];

export const READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];
