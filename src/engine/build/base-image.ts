/**
 * The images a build starts from (FROM, `COPY --from=<image>`): found
 * locally, else pulled from their registry; with `pull` always pulled first.
 * The pull's progress goes into the build's stream as `docker pull`'s.
 * `platform` is checked as dockerd checks it (containerd's specifier rules,
 * with dockerd's texts) before anything runs, and picks the manifest of a
 * manifest list; an image whose OS is not linux is refused as dockerd
 * refuses it.
 */
import { invalid, isEngineError } from '../errors.js';
import { goArch } from '../images/image-config.js';
import { parseReference } from '../model/reference.js';
import type { ImageRecord } from '../model/image.js';
import type { BuildRun } from './build-state.js';

const KNOWN_OS = new Set([
  'aix',
  'android',
  'darwin',
  'dragonfly',
  'freebsd',
  'hurd',
  'illumos',
  'ios',
  'js',
  'linux',
  'nacl',
  'netbsd',
  'openbsd',
  'plan9',
  'solaris',
  'windows',
  'zos',
]);
const KNOWN_ARCH = new Set([
  '386', 'amd64', 'amd64p32', 'arm', 'armbe', 'arm64', 'arm64be', 'loong64', 'mips', 'mipsle', 'mips64', 'mips64le', 'mips64p32', 'mips64p32le',
  'ppc', 'ppc64', 'ppc64le', 'riscv', 'riscv64', 's390', 's390x', 'sparc', 'sparc64', 'wasm',
  'x86_64', 'x86-64', 'aarch64', 'armhf', 'armel', 'i386',
]); // prettier-ignore

const bad = (message: string) => invalid('BERTH_BUILD_BAD_PLATFORM', `${message}: invalid argument`);

/**
 * `platform` → "os/arch[/variant]" for the pulls ('' stays ''). Throws
 * invalid-parameter with dockerd's texts for a malformed specifier. Pure.
 */
export function buildPlatform(spec: string, hostArch = goArch()): string {
  if (spec === '') return '';
  const parts = spec.split('/');
  for (const c of parts) {
    if (!/^[A-Za-z0-9_-]+$/.test(c)) {
      throw bad(`${JSON.stringify(c)} is an invalid component of ${JSON.stringify(spec)}: platform specifier component must match "^[A-Za-z0-9_-]+$"`);
    }
  }
  if (parts.length > 3) throw bad(`${JSON.stringify(spec)}: cannot parse platform specifier`);
  if (parts.length > 1) return parts.join('/').toLowerCase();
  const one = spec.toLowerCase();
  if (KNOWN_OS.has(one)) return `${one}/${hostArch}`;
  if (KNOWN_ARCH.has(one)) return `linux/${one}`;
  throw bad(`${JSON.stringify(spec)}: unknown operating system or architecture`);
}

const IMAGE_ID = /^(sha256:)?[0-9a-f]{12,64}$/;

/** The image `ref` names for the build: local unless `pull` (or missing), else pulled first. */
export async function baseImage(run: BuildRun, ref: string): Promise<ImageRecord> {
  const images = run.deps.images;
  if (!run.opts.pull || IMAGE_ID.test(ref)) {
    try {
      return checkOs(images.resolve(ref));
    } catch (err) {
      if (!isEngineError(err, 'not-found') || IMAGE_ID.test(ref)) throw err;
    }
  }
  await pullBase(run, ref);
  return checkOs(images.resolve(ref));
}

async function pullBase(run: BuildRun, ref: string): Promise<void> {
  const p = parseReference(ref);
  const abort = new AbortController();
  run.aborts.add(abort);
  try {
    await run.deps.pull({
      image: ref,
      // A bare name pulls :latest (an empty tag would mean every tag).
      tag: p.tag || p.digest ? '' : 'latest',
      platform: run.platform,
      credentials: run.opts.registryAuth[p.domain] ?? null,
      onProgress: (progress) => run.emit({ progress }),
      signal: abort.signal,
    });
  } finally {
    run.aborts.delete(abort);
  }
}

/** dockerd refuses an image built for another OS (its architecture is not checked: emulation may run it). */
function checkOs(image: ImageRecord): ImageRecord {
  if (image.os && image.os !== 'linux') {
    throw invalid('BERTH_BUILD_IMAGE_OS', `image operating system ${JSON.stringify(image.os)} cannot be used on this platform`);
  }
  return image;
}
