/**
 * Hardening parity with dockerd: the same probe runs in a busybox container
 * under berth and under Debian's dockerd (own socket and roots, no bridge
 * or iptables; skipped with the reason when it cannot start), in four
 * variants (default, --privileged, no-new-privileges, --cap-drop ALL
 * --cap-add NET_ADMIN), and every line must be equal unless it is listed in
 * DELIBERATE with the reason. The probe reads: the capability sets, Seccomp
 * and NoNewPrivs of /proc/self/status; the mounts on /proc, /sys and /dev
 * (masked and read-only paths, with type and options); the /dev nodes;
 * RLIMIT_NOFILE and RLIMIT_NPROC; the pids limit; whether mount(2) and
 * unshare(2) are refused; the errno of keyctl(2), add_key(2) and bpf(2) with
 * zero arguments (1 = EPERM, the seccomp profile's refusal; from the tiny
 * static probes of helpers/syscall-probe.ts, bind-mounted read-only at
 * /probe); the LSM label. (/proc/sys read-only is its mount line; busybox's
 * `test -w` cannot tell for root.) The table it prints is the one in TESTING.md.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { busyboxRootfsTar, importBusybox } from './helpers/images.js';
import { startDockerd, type TestDockerd } from './helpers/dockerd.js';
import { skipUnlessRoot } from './helpers/docker-cli.js';
import { SYSCALL_X86_64, syscallProbe } from './helpers/syscall-probe.js';
import { useDaemon } from './helpers/suite.js';

const PROBE = [
  "grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|Seccomp|NoNewPrivs):' /proc/self/status | tr -s '\\t ' ' '",
  "sed -E 's/^[0-9]+ [0-9]+ [0-9:]+ [^ ]+ ([^ ]+) ([^ ]+).* - ([^ ]+) .*/mount \\1 \\3 \\2/' /proc/self/mountinfo | grep -E '^mount /(proc|sys|dev)' | sort",
  "echo \"dev: $(ls /dev | sort | tr '\\n' ' ')\"",
  'echo "nofile: $(ulimit -Sn) $(ulimit -Hn)"',
  'echo "nproc: $(ulimit -Su) $(ulimit -Hu)"',
  'echo "pids.max: $(cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || echo none)"',
  'echo "mount(2): $(mount -t tmpfs probe /mnt 2>/dev/null && umount /mnt && echo allowed || echo refused)"',
  'echo "unshare(2): $(unshare -n true 2>/dev/null && echo allowed || echo refused)"',
  ...Object.keys(SYSCALL_X86_64).map((name) => `echo "${name}(2): errno $(/probe/${name}; echo $?)"`),
  'echo "lsm: $(cat /proc/self/attr/current 2>/dev/null || echo none)"',
].join('; ');

const VARIANTS: Record<string, string[]> = {
  default: [],
  privileged: ['--privileged'],
  'no-new-privileges': ['--security-opt', 'no-new-privileges'],
  'cap-drop ALL, cap-add NET_ADMIN': ['--cap-drop', 'ALL', '--cap-add', 'NET_ADMIN'],
};

/** Differences written down as deliberate, in every variant: probe key → why. */
const DELIBERATE: Record<string, string> = {
  'mount /proc/interrupts': 'masked, as moby has done since 2025 (dockerd 20.10 predates it)',
  nofile: "1024:1024, Docker 29's default (containerd 2.1.5); dockerd 20.10 passes on its own limit",
  'pids.max': 'default pids limit 4096 (--default-pids-limit): dockerd has none and leaves fork bombs to the host',
};

const run = promisify(execFile);

/** Probe output as key → value (the key is the line's first word, or the mount point for mounts). */
function parse(out: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of out.split('\n').filter(Boolean)) {
    const words = line.split(' ');
    const key = words[0] === 'mount' ? `mount ${words[1]}` : words[0].replace(/:$/, '');
    m.set(key, words.slice(words[0] === 'mount' ? 2 : 1).join(' '));
  }
  return m;
}

/** A directory holding one syscall probe per entry of SYSCALL_X86_64, named after the call. */
function writeSyscallProbes(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-probe-'));
  for (const [name, nr] of Object.entries(SYSCALL_X86_64)) fs.writeFileSync(path.join(dir, name), syscallProbe(nr), { mode: 0o755 });
  return dir;
}

async function probe(env: NodeJS.ProcessEnv, flags: string[], probes: string): Promise<Map<string, string>> {
  const args = ['run', '--rm', '--network', 'none', '-v', `${probes}:/probe:ro`, ...flags, 'busybox', 'sh', '-c', PROBE];
  const r = await run('docker', args, { env, timeout: 60_000 });
  return parse(r.stdout);
}

const skip = skipUnlessRoot() || (process.arch === 'x64' ? false : 'the syscall probes are x86-64 code');

describe('hardening parity with dockerd', { skip, timeout: 300_000 }, () => {
  const d = useDaemon();
  let dockerd: TestDockerd | undefined;
  let skipReason: string | false = false;
  const rows: string[] = [];
  let probes = '';

  before(async () => {
    probes = writeSyscallProbes();
    const started = await startDockerd();
    if (typeof started === 'string') {
      skipReason = started;
      return;
    }
    dockerd = started;
    await run('docker', ['import', '-c', 'CMD ["sh"]', await busyboxRootfsTar(), 'busybox:latest'], { env: dockerd.env, timeout: 60_000 });
    await importBusybox(d);
  });
  after(async () => {
    await dockerd?.stop();
    if (probes) fs.rmSync(probes, { recursive: true, force: true });
    if (rows.length) process.stdout.write(`# | variant | probe | dockerd | berth |\n${rows.map((r) => `# ${r}`).join('\n')}\n`);
  });

  test('the syscall probes tell the seccomp refusal from a call that ran', async () => {
    const confined = await probe(d.env, [], probes);
    const unconfined = await probe(d.env, ['--security-opt', 'seccomp=unconfined'], probes);
    assert.equal(confined.get('keyctl(2)'), 'errno 1');
    assert.notEqual(unconfined.get('keyctl(2)'), 'errno 1', 'without seccomp keyctl reaches the kernel');
  });

  for (const [variant, flags] of Object.entries(VARIANTS)) {
    test(variant, async (t) => {
      if (skipReason) return t.skip(skipReason);
      const theirs = await probe(dockerd!.env, flags, probes).catch((err: Error) => err);
      // dockerd 20.10 asks runc for every capability it knows, which fails where the host's bounding set is smaller.
      if (theirs instanceof Error)
        return t.skip(`dockerd cannot run it here: ${/Error response from daemon: (.*)/.exec(theirs.message)?.[1] ?? theirs.message}`);
      const ours = await probe(d.env, flags, probes);
      const unexplained: string[] = [];
      for (const key of [...new Set([...theirs.keys(), ...ours.keys()])].sort()) {
        const [a, b] = [theirs.get(key) ?? '(absent)', ours.get(key) ?? '(absent)'];
        const why = DELIBERATE[key];
        if (a === b && !key.startsWith('mount ')) rows.push(`| ${variant} | ${key} | ${a} | same |`);
        if (a === b) continue;
        rows.push(`| ${variant} | ${key} | ${a} | ${b}${why ? ` (deliberate: ${why})` : ''} |`);
        if (!why) unexplained.push(`${key}: dockerd "${a}", berth "${b}"`);
      }
      assert.deepEqual(unexplained, [], `differences from dockerd (${variant})`);
    });
  }
});
