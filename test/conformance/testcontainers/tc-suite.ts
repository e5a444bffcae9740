/**
 * The berthd and the Testcontainers module of a conformance file:
 *
 *   const t = useTestcontainers();          // inside a describe
 *   test('…', async () => { const c = await new t.tc.GenericContainer(BUSYBOX).start(); … t.d.request(…) });
 *
 * registers before/after hooks that start one berthd (busybox imported as
 * busybox:latest, the shared harness with its leak checks), run the file's
 * own `prepare(d)` if any, point Testcontainers at the daemon through its
 * documented environment variables, and only then load Testcontainers:
 * it reads the Docker config (DOCKER_CONFIG / DOCKER_AUTH_CONFIG) once, when
 * its module is evaluated, so a static import would read the machine's
 * ~/.docker/config.json before any hook ran. Test files therefore take only
 * types from 'testcontainers' and the classes from `t.tc`.
 *
 * - DOCKER_HOST=unix://<socket>: its ConfigurationStrategy (tried before the
 *   default /var/run/docker.sock); the compose CLI it spawns gets the same;
 * - DOCKER_CONFIG: the daemon's private docker CLI config dir, so no
 *   credential of the machine is consulted (only pulls read it);
 * - TESTCONTAINERS_RYUK_DISABLED=true: the reaper's image (testcontainers/ryuk)
 *   can be neither pulled offline nor built without its Go source; the tests
 *   stop and remove what they start, and the harness fails on leftovers;
 * - TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1: this machine is itself a container
 *   (/.dockerenv), where Testcontainers would otherwise take the `bridge`
 *   network's gateway (from GET /networks/bridge, which berth answers as
 *   dockerd does) as the host; published ports are reached on loopback.
 *
 * Testcontainers caches its client per process; node --test runs each file in
 * its own process, so each file talks to its own berthd.
 */
import { before } from 'node:test';
import { skipUnlessRoot } from '../../integration/helpers/docker-cli.js';
import type { TestDaemon } from '../../integration/helpers/daemon.js';
import { useDaemon } from '../../integration/helpers/suite.js';

type Testcontainers = typeof import('testcontainers');

/** The skip reason of a Testcontainers file (root, as every daemon test). */
export const skipTestcontainers = skipUnlessRoot();

/** The busybox image imported into every test daemon; Testcontainers finds it and never pulls. */
export const BUSYBOX = 'busybox:latest';

export interface TestcontainersSuite {
  /** The file's berthd. */
  readonly d: TestDaemon;
  /** The Testcontainers module, loaded once the environment points at `d`. */
  readonly tc: Testcontainers;
}

export function useTestcontainers(opts: { skip?: string | false; prepare?: (d: TestDaemon) => Promise<void> } = {}): TestcontainersSuite {
  const skip = opts.skip ?? skipTestcontainers;
  const d = useDaemon({ skip });
  let tc: Testcontainers | undefined;
  before(async () => {
    if (skip) return;
    await opts.prepare?.(d);
    process.env.DOCKER_HOST = d.env.DOCKER_HOST;
    process.env.DOCKER_CONFIG = d.env.DOCKER_CONFIG;
    delete process.env.DOCKER_AUTH_CONFIG;
    process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
    process.env.TESTCONTAINERS_HOST_OVERRIDE = '127.0.0.1';
    tc = await import('testcontainers');
  });
  return {
    d,
    get tc(): Testcontainers {
      if (!tc) throw new Error('Testcontainers is loaded in before() (use it inside a test)');
      return tc;
    },
  };
}

/** The body of GET http://127.0.0.1:<port><path> (status must be 200). */
export async function httpGet(port: number, path = '/'): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  if (res.status !== 200) throw new Error(`GET :${port}${path} → ${res.status}`);
  return res.text();
}

/** The image pull events berthd recorded so far (none unless a client pulled). */
export async function pullEvents(d: TestDaemon): Promise<Array<{ id: string }>> {
  const until = Math.ceil(Date.now() / 1000);
  const filters = encodeURIComponent(JSON.stringify({ type: ['image'], event: ['pull'] }));
  const res = await d.request('GET', `/events?since=0&until=${until}&filters=${filters}`);
  return res.body
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { id: string });
}
