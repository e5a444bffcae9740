/**
 * Debian's docker-compose 1.29 (docker-py underneath), unchanged, against a
 * fresh berthd: the project in ./project (a web service built from its
 * Dockerfile publishing a port, a data service with a named volume and a
 * health check, a worker that waits for it to be healthy, a network with
 * aliases, an env_file, restart policies, a profile whose image comes from a
 * local docker-registry) through up, ps, logs -f, exec, run --rm, scale,
 * restart, stop, start, top, port, events --json, config, pull and
 * down -v --remove-orphans, which must leave no container, network or volume.
 * Every expectation was checked against dockerd 20.10 with the same project.
 * Skips without root, docker-compose or docker-registry.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { inspectApi } from '../../integration/helpers/api.js';
import { dockerExpect, eventually, runClient, skipUnlessRoot, type DockerOptions, type DockerResult } from '../../integration/helpers/docker-cli.js';
import { parseJsonMessages, repoRoot } from '../../integration/helpers/images.js';
import { skipUnlessRegistry, startRegistry, type TestRegistry } from '../../integration/helpers/registry.js';
import { useDaemon } from '../../integration/helpers/suite.js';

const COMPOSE = '/usr/bin/docker-compose';
const PROJECT_DIR = path.join(repoRoot, 'test', 'conformance', 'compose', 'project');
const PROJECT = 'bct';
const skip = skipUnlessRoot() || (fs.existsSync(COMPOSE) ? false : `${COMPOSE} is not installed (apt-get install docker-compose)`) || skipUnlessRegistry();

/** GET http://127.0.0.1:port/path → body (rejects on a non-200). */
function httpGet(hostPort: string, urlPath = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(`http://${hostPort}${urlPath}`, { timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${urlPath} → ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

describe('docker-compose 1.29 against berthd', { skip, timeout: 300_000 }, () => {
  const d = useDaemon({ skip });
  let reg: TestRegistry;
  let toolImage: string;

  const env = (extra: Record<string, string> = {}) => ({ ...d.env, BERTH_COMPOSE_REGISTRY: reg.host, ...extra });
  const composeArgs = (args: string[]) => ['-p', PROJECT, '-f', path.join(PROJECT_DIR, 'docker-compose.yml'), ...args];

  /** Runs docker-compose in the project and asserts its exit code (default 0). */
  async function compose(args: string[], code = 0, opts: DockerOptions & { env?: Record<string, string> } = {}): Promise<DockerResult> {
    const r = await runClient(COMPOSE, env(opts.env), composeArgs(args), { timeoutMs: 120_000, ...opts });
    if (!r.stopped) assert.equal(r.code, code, `docker-compose ${args.join(' ')} → ${r.code}${r.timedOut ? ' (timed out)' : ''}\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  /** The project's containers through the API (its label), as names → inspect. */
  async function projectContainers(): Promise<Map<string, any>> {
    const res = await d.request('GET', '/containers/json', {
      query: { all: 1, filters: JSON.stringify({ label: [`com.docker.compose.project=${PROJECT}`] }) },
    });
    assert.equal(res.status, 200);
    const out = new Map<string, any>();
    for (const c of res.json() as Array<{ Id: string; Names: string[] }>) out.set(c.Names[0].slice(1), await inspectApi(d, c.Id));
    return out;
  }

  const output = (r: DockerResult) => r.stdout + r.stderr;
  const webAddress = async () => (await compose(['port', 'web', '8080'])).stdout.trim();

  before(async () => {
    if (skip) return;
    reg = await startRegistry();
    // The profile's image lives only in the local registry: `pull` must fetch it.
    toolImage = `${reg.host}/berth/tool:1`;
    await dockerExpect(d, ['tag', 'busybox', toolImage]);
    await dockerExpect(d, ['push', toolImage], 0, { timeoutMs: 60_000 });
    await dockerExpect(d, ['rmi', toolImage]);
  });
  after(async () => {
    await reg?.stop();
  });

  test('config: services, volumes, profiles and interpolation', async () => {
    assert.equal((await compose(['config', '--services'])).stdout, 'web\ndata\nworker\ntool\n');
    assert.equal((await compose(['config', '--volumes'])).stdout, 'store\n');
    const full = (await compose(['config'])).stdout;
    assert.ok(full.includes(`image: ${toolImage}`), full);
    assert.match(full, /WEB_MESSAGE: hello from berth compose/);
    await compose(['config', '-q']);
  });

  test('up -d builds web, waits for data to be healthy before worker, and creates network and volume', async () => {
    const up = output(await compose(['up', '-d']));
    assert.match(up, /Successfully tagged berth-compose-web:test/);
    for (const name of ['bct_data_1', 'bct_web_1', 'bct_worker_1']) assert.match(up, new RegExp(`Creating ${name}\\s+\\.\\.\\. done`));
    assert.match(up, /Creating network "bct_front" with the default driver/);
    assert.match(up, /Creating volume "bct_store" with default driver/);
    const all = await projectContainers();
    assert.deepEqual([...all.keys()].sort(), ['bct_data_1', 'bct_web_1', 'bct_worker_1'], 'the tools profile is not started');
    const data = all.get('bct_data_1');
    const worker = all.get('bct_worker_1');
    assert.equal(data.State.Health.Status, 'healthy');
    // The health log keeps only the last checks: the order comes from the event log instead.
    const events = await d.request('GET', '/events', { query: { since: '0', until: String(Math.ceil(Date.now() / 1000)) } });
    const log = parseJsonMessages(events.body) as Array<{ Action: string; Actor: { ID: string }; timeNano: number }>;
    const at = (id: string, action: string) => log.findIndex((e) => e.Actor.ID === id && e.Action === action);
    assert.ok(at(data.Id, 'health_status: healthy') >= 0, 'data became healthy');
    assert.ok(at(data.Id, 'health_status: healthy') < at(worker.Id, 'start'), 'worker started only after data was healthy');
    const policies = Object.fromEntries([...all].map(([n, c]) => [n, c.HostConfig.RestartPolicy.Name]));
    assert.deepEqual(policies, { bct_data_1: 'always', bct_web_1: 'unless-stopped', bct_worker_1: 'on-failure' });
    assert.equal(data.Mounts[0].Name, 'bct_store');
    assert.deepEqual(data.NetworkSettings.Networks.bct_front.Aliases.sort(), ['data', 'db', data.Id.slice(0, 12)].sort());
  });

  test('ps, port and an HTTP GET from the host; the env_file and the build arg reach the container', async () => {
    const ps = (await compose(['ps'])).stdout;
    assert.match(ps, /bct_data_1 .* Up \(healthy\)/);
    assert.match(ps, /bct_web_1 .* Up +127\.0\.0\.1:\d+->8080\/tcp/);
    assert.match(ps, /bct_worker_1 .* Up/);
    const addr = await webAddress();
    assert.match(addr, /^127\.0\.0\.1:\d+$/);
    assert.equal(await httpGet(addr), 'berth compose web\nhello from berth compose\n');
    assert.equal(await httpGet(addr, '/greeting'), 'built-by-compose\n');
    assert.equal((await compose(['port', 'web', '9999'])).stdout.trim(), '');
    assert.equal((await compose(['ps', '-q'])).stdout.trim().split('\n').length, 3);
  });

  test('the worker reaches web by its alias, and logs -f follows until stopped', async () => {
    const follow = await compose(['logs', '-f', '--no-color', 'worker'], 0, { stopWhen: (out) => out.includes('hello from berth compose') });
    assert.ok(follow.stopped, follow.stdout);
    assert.match(follow.stdout, /worker_1 +\| stored\n/);
    assert.match(follow.stdout, /worker_1 +\| berth compose web\n/);
    const tail = await compose(['logs', '--no-color', '--tail', '1', 'data']);
    assert.match(tail.stdout, /data_1 +\| data up\n/);
  });

  test('exec -T, through the docker CLI and through docker-py; top', async () => {
    assert.equal((await compose(['exec', '-T', 'data', 'cat', '/data/ready'])).stdout, 'stored\n');
    const noCli = { env: { COMPOSE_INTERACTIVE_NO_CLI: '1' } };
    assert.equal((await compose(['exec', '-T', 'data', 'cat', '/data/ready'], 0, noCli)).stdout, 'stored\n');
    const webEnv = (await compose(['exec', '-T', 'web', 'env'], 0, noCli)).stdout;
    assert.match(webEnv, /^WEB_MESSAGE=hello from berth compose$/m);
    assert.match(webEnv, /^GREETING=built-by-compose$/m);
    const lookup = (await compose(['exec', '-T', 'worker', 'nslookup', 'db'])).stdout;
    const dataIp = (await projectContainers()).get('bct_data_1').NetworkSettings.Networks.bct_front.IPAddress;
    assert.ok(lookup.includes(dataIp), `db resolves to data's ${dataIp}:\n${lookup}`);
    await compose(['exec', '-T', 'data', 'sh', '-c', 'exit 7'], 7);
    const top = (await compose(['top', 'data'])).stdout;
    assert.match(top, /^bct_data_1$/m);
    assert.match(top, /sleep 100000/);
  });

  test('run --rm: output, exit code, and no one-off container left', async () => {
    const r = await compose(['run', '--rm', '-T', 'worker', 'sh', '-c', 'wget -q -O - http://www:8080/greeting']);
    assert.equal(r.stdout, 'built-by-compose\n');
    await compose(['run', '--rm', '-T', 'worker', 'sh', '-c', 'exit 3'], 3);
    // compose's docker-py path attaches only after the start (dockerpty's sockets() is a lazy map on Python 3),
    // so output written before the attach is lost on dockerd as on berth: the command waits a little first.
    const noCli = await compose(['run', '--rm', '-T', 'worker', 'sh', '-c', 'sleep 1; echo via docker-py'], 0, { env: { COMPOSE_INTERACTIVE_NO_CLI: '1' } });
    assert.equal(noCli.stdout, 'via docker-py\n');
    const oneOff = await d.request('GET', '/containers/json', { query: { all: 1, filters: JSON.stringify({ label: ['com.docker.compose.oneoff=True'] }) } });
    assert.deepEqual(oneOff.json(), []);
  });

  test('up --scale and scale', async () => {
    const up = await compose(['up', '-d', '--scale', 'worker=3']);
    assert.match(output(up), /Creating bct_worker_3 \.\.\. done/);
    assert.equal((await compose(['ps', '-q', 'worker'])).stdout.trim().split('\n').length, 3);
    const down = await compose(['scale', '-t', '1', 'worker=1']);
    assert.match(output(down), /Stopping and removing bct_worker_2 \.\.\. done/);
    assert.deepEqual([...(await projectContainers()).keys()].sort(), ['bct_data_1', 'bct_web_1', 'bct_worker_1']);
  });

  test('events --json shows restart as dockerd logs it (kill 15, kill 9, die, stop, start, restart)', async () => {
    const events = compose(['events', '--json'], 0, { stopWhen: (out) => /"action": "restart"/.test(out), timeoutMs: 60_000 });
    // compose subscribes once it has listed the project's containers: restart only after that.
    await new Promise((r) => setTimeout(r, 2_000));
    const restart = await compose(['restart', '-t', '1', 'web']);
    assert.match(output(restart), /Restarting bct_web_1 \.\.\. done/);
    const r = await events;
    assert.ok(r.stopped, `events did not show the restart:\n${r.stdout}\n${r.stderr}`);
    const web = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { service: string; action: string; type: string; attributes: Record<string, string> })
      .filter((e) => e.service === 'web');
    assert.deepEqual(
      web.map((e) => e.action + (e.attributes.signal ? `:${e.attributes.signal}` : '')),
      ['kill:15', 'kill:9', 'die', 'stop', 'start', 'restart'],
    );
    assert.equal(web[2].attributes.exitCode, '137');
    assert.deepEqual(Object.keys(web[2].attributes), ['exitCode', 'image', 'name']);
    assert.equal(await httpGet(await webAddress()), 'berth compose web\nhello from berth compose\nhello from berth compose\n');
  });

  test('stop, then start: all exited by the user, not restarted by policy, then up again and healthy', async () => {
    const stop = await compose(['stop', '-t', '1']);
    for (const s of ['data', 'web', 'worker']) assert.match(output(stop), new RegExp(`Stopping bct_${s}_1 +\\.\\.\\. done`));
    const ps = (await compose(['ps'])).stdout;
    assert.equal(ps.match(/Exit 137/g)?.length, 3, ps);
    await new Promise((r) => setTimeout(r, 1_500));
    for (const [name, c] of await projectContainers()) assert.equal(c.State.Status, 'exited', `${name} stays stopped whatever its restart policy`);
    const start = await compose(['start']);
    for (const s of ['data', 'web', 'worker']) assert.match(output(start), new RegExp(`Starting ${s} +\\.\\.\\. done`));
    await eventually('data healthy again', async () => (await projectContainers()).get('bct_data_1').State.Health.Status === 'healthy' || undefined, {
      timeoutMs: 30_000,
    });
    assert.match(await httpGet(await webAddress()), /^berth compose web\n/);
  });

  test('restart: always brings data back after its process is killed from outside', async () => {
    const before = (await projectContainers()).get('bct_data_1');
    process.kill(before.State.Pid, 'SIGKILL');
    const back = await eventually(
      'data restarted by its policy',
      async () => {
        const c = (await projectContainers()).get('bct_data_1');
        return c.State.Running && c.RestartCount === 1 ? c : undefined;
      },
      { timeoutMs: 30_000 },
    );
    assert.notEqual(back.State.Pid, before.State.Pid);
  });

  test('pull of the profile service from the local registry, then run and up with the profile', async () => {
    const pull = await compose(['--profile', 'tools', 'pull', 'tool']);
    assert.match(output(pull), /Pulling tool \.\.\. done/);
    assert.equal((await d.request('GET', `/images/${toolImage}/json`)).status, 200);
    const again = await compose(['--profile', 'tools', 'pull', 'tool']);
    assert.match(output(again), /status: image is up to date/);
    assert.equal((await compose(['--profile', 'tools', 'run', '--rm', 'tool'])).stdout, 'tool ran\n');
    await compose(['--profile', 'tools', 'up', '-d']);
    await eventually('tool ran to its end', async () => (await projectContainers()).get('bct_tool_1')?.State.Status === 'exited' || undefined);
    assert.equal((await projectContainers()).get('bct_tool_1').State.ExitCode, 0);
  });

  test('down -v --remove-orphans leaves no container, network or volume of the project', async () => {
    // An orphan: a service that only another compose file of the same project defines.
    const extra = path.join(d.root, 'orphan.yml');
    fs.writeFileSync(extra, 'services:\n  ghost:\n    image: busybox\n    command: ["sleep", "100000"]\n    networks: [front]\n');
    const ghost = await runClient(COMPOSE, env(), [
      '-p',
      PROJECT,
      '--project-directory',
      PROJECT_DIR,
      '-f',
      path.join(PROJECT_DIR, 'docker-compose.yml'),
      '-f',
      extra,
      'up',
      '-d',
      'ghost',
    ]);
    assert.equal(ghost.code, 0, output(ghost));
    assert.ok((await projectContainers()).has('bct_ghost_1'));
    const down = await compose(['down', '-v', '--remove-orphans', '-t', '1']);
    assert.match(output(down), /Removing orphan container "bct_ghost_1"/);
    assert.match(output(down), /Removing network bct_front/);
    assert.match(output(down), /Removing volume bct_store/);
    assert.equal((await projectContainers()).size, 0);
    const networks = (await d.request('GET', '/networks')).json() as Array<{ Name: string }>;
    assert.deepEqual(networks.map((n) => n.Name).sort(), ['bridge', 'host', 'none']);
    const volumes = (await d.request('GET', '/volumes')).json() as { Volumes: unknown[] | null };
    assert.deepEqual(volumes.Volumes ?? [], []);
    const all = (await d.request('GET', '/containers/json', { query: { all: 1 } })).json() as unknown[];
    assert.deepEqual(all, []);
  });
});
