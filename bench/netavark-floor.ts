/**
 * The floor of a bridged container: a persistent network namespace made with
 * `unshare --net=FILE` and `netavark setup` / `teardown` on it, with no
 * daemon in between. The JSON is built by berth's own builder
 * (`buildNetavarkInput`) from a network record shaped like berth's default
 * bridge (its options and MTU copied from the bench berthd's `bridge`), but
 * with an ID, a Linux bridge and a subnet of its own, so that the floor and
 * the bench berthd never share a bridge or firewall chains. netavark runs
 * with the arguments and environment berth gives it (`netavark.ts`).
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { hostRoutes } from '../src/engine/networks/defaults.js';
import { DEFAULT_POOLS, formatCidr, intToIp, macFromIp, parseCidr, pickSubnet } from '../src/engine/networks/ipam.js';
import { buildNetavarkInput } from '../src/engine/networks/netavark.js';
import { removeNetavarkChains } from '../src/engine/networks/stale-sweep.js';
import type { NetavarkInput, NetworkRecord } from '../src/engine/model/network.js';

const run = promisify(execFile);

/** What the floor needs of the bench berthd's default network (GET /networks/bridge). */
export interface BridgeTemplate {
  subnet: string;
  options: Record<string, string>;
}

export interface NetavarkFloorOptions {
  workDir: string;
  netavark: string;
  aardvark: string;
}

export class NetavarkFloor {
  readonly #o: NetavarkFloorOptions;
  readonly #netnsDir: string;
  readonly #configDir: string;
  #network: NetworkRecord | undefined;
  #ip = '';

  constructor(opts: NetavarkFloorOptions) {
    this.#o = opts;
    this.#netnsDir = path.join(opts.workDir, 'netns');
    this.#configDir = path.join(opts.workDir, 'netavark');
  }

  /**
   * The floor's network: berth's default bridge options, a subnet free of the
   * host's routes and of berth's own bridge subnet; the namespace dir is a
   * private bind mount of itself, as berth's is.
   */
  async setup(berthBridge: BridgeTemplate): Promise<void> {
    fs.mkdirSync(this.#netnsDir, { recursive: true, mode: 0o755 });
    fs.mkdirSync(this.#configDir, { recursive: true, mode: 0o700 });
    await run('mount', ['--bind', this.#netnsDir, this.#netnsDir]);
    await run('mount', ['--make-private', this.#netnsDir]);
    const taken = [...(await hostRoutes()), parseCidr(berthBridge.subnet)].filter((c) => c !== undefined);
    const c = pickSubnet(DEFAULT_POOLS, taken, 7919);
    if (!c) throw new Error('floor: no free subnet for the netavark floor');
    const id = randomBytes(32).toString('hex');
    const bridge = `berthfl${createHash('sha256').update(this.#o.workDir).digest('hex').slice(0, 8)}`;
    this.#network = {
      id,
      name: 'bridge',
      driver: 'bridge',
      subnet: formatCidr(c),
      gateway: intToIp(c.base + 1),
      ipRange: '',
      subnetFromUser: false,
      bridge,
      internal: false,
      dnsEnabled: false,
      labels: {},
      options: { ...berthBridge.options, 'com.docker.network.bridge.name': bridge },
      created: new Date().toISOString(),
    };
    this.#ip = intToIp(c.base + 2);
  }

  /** The netavark stdin for container `id` (one container at a time: the same address each time). */
  input(id: string): NetavarkInput {
    const network = this.#network!;
    const endpoint = { containerId: id, networkId: network.id, ip: this.#ip, requestedIp: '', mac: macFromIp(this.#ip), aliases: [], seq: 0 };
    return buildNetavarkInput({ containerId: id, containerName: `floor-${id.slice(0, 8)}`, attachments: [{ network, endpoint }], ports: [] });
  }

  get ip(): string {
    return this.#ip;
  }

  /** A fresh namespace for `id` and netavark's interfaces in it; resolves with its path. */
  async up(id: string, input: NetavarkInput): Promise<string> {
    const file = path.join(this.#netnsDir, id);
    await fsp.writeFile(file, '', { mode: 0o644 });
    await run('unshare', [`--net=${file}`, 'true']);
    await this.#netavark('setup', file, input);
    return file;
  }

  /** netavark teardown with the setup's input, then the namespace goes. */
  async down(id: string, input: NetavarkInput): Promise<void> {
    const file = path.join(this.#netnsDir, id);
    await this.#netavark('teardown', file, input);
    await run('umount', [file]);
    await fsp.rm(file, { force: true });
  }

  #netavark(verb: 'setup' | 'teardown', netns: string, input: NetavarkInput): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        this.#o.netavark,
        ['--config', this.#configDir, '--aardvark-binary', this.#o.aardvark, verb, netns],
        { env: { ...process.env, RUST_LOG: 'warn' }, timeout: 60_000 },
        (err, stdout, stderr) => (err ? reject(new Error(`netavark ${verb}: ${stdout}${stderr}`)) : resolve(stdout)),
      );
      child.stdin!.end(JSON.stringify(input));
    });
  }

  /** Removes whatever is left: namespaces, the namespace dir's mount, the bridge and the network's chains. */
  async cleanup(): Promise<void> {
    const quiet = (cmd: string, args: string[]) => run(cmd, args).catch(() => undefined);
    for (const name of fs.existsSync(this.#netnsDir) ? fs.readdirSync(this.#netnsDir) : []) await quiet('umount', [path.join(this.#netnsDir, name)]);
    await quiet('umount', [this.#netnsDir]);
    const n = this.#network;
    if (!n) return;
    await quiet('ip', ['link', 'del', n.bridge]);
    const nat = (await run('iptables', ['-t', 'nat', '-S']).catch(() => ({ stdout: '' }))).stdout.split('\n');
    await removeNetavarkChains(n.id, nat);
  }
}
