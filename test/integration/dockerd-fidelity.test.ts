/**
 * Regression tests for behaviours where berth answered differently from
 * dockerd 20.10 (issue 13, item 7). Each expectation was checked against a
 * real dockerd side by side; the test says what dockerd does.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startDaemon, type TestDaemon } from './helpers/daemon.js';
import { dockerExpect, skipUnlessRoot } from './helpers/docker-cli.js';
import { importBusybox } from './helpers/images.js';
import { demux, inspectApi, streamText } from './helpers/api.js';

/** POST /exec/{id}/start over a raw socket with `body`; resolves what followed the response headers. */
function execStartRaw(socketPath: string, execId: string, body: Record<string, unknown>): Promise<{ head: string; payload: Buffer }> {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body);
    const sock = net.connect(socketPath);
    const chunks: Buffer[] = [];
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', reject);
    sock.on('close', () => {
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      resolve({ head: all.subarray(0, end).toString('latin1'), payload: all.subarray(end + 4) });
    });
    sock.write(
      `POST /v1.41/exec/${execId}/start HTTP/1.1\r\nHost: berth\r\nContent-Type: application/json\r\nContent-Length: ${text.length}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n${text}`,
    );
  });
}

describe('differences from dockerd (issue 13 item 7)', { skip: skipUnlessRoot(), timeout: 300_000 }, () => {
  let d: TestDaemon;

  before(async () => {
    d = await startDaemon();
    await importBusybox(d);
    await dockerExpect(d, ['run', '-d', '--name', 'ex', 'busybox', 'sleep', '1000']);
  });
  after(async () => {
    await dockerExpect(d, ['rm', '-f', 'ex']);
    await d?.cleanup();
  });

  test('kill with SIGKILL returns once the exit is recorded: inspect right after shows exited', async () => {
    for (let i = 0; i < 3; i++) {
      await dockerExpect(d, ['run', '-d', '--name', `k${i}`, 'busybox', 'sleep', '1000']);
      const res = await d.request('POST', `/containers/k${i}/kill`);
      assert.equal(res.status, 204, res.body.toString());
      const state = (await inspectApi(d, `k${i}`)).State;
      assert.equal(state.Status, 'exited');
      assert.equal(state.ExitCode, 137);
      const again = await d.request('POST', `/containers/k${i}/kill`);
      assert.equal(again.status, 409);
      assert.equal(again.json().message, `Cannot kill container: k${i}: Container ${(await inspectApi(d, `k${i}`)).Id} is not running`);
      await dockerExpect(d, ['rm', `k${i}`]);
    }
  });

  test('commit takes one changes parameter per -c, and commits a created, never-started container', async () => {
    await dockerExpect(d, ['create', '--name', 'fresh', 'busybox', 'true']);
    await dockerExpect(d, ['commit', '-c', 'ENV A=1', '-c', 'ENV B=2', '-c', 'LABEL l=v', 'fresh', 'fid/commit:1']);
    const img = (await d.request('GET', '/images/fid/commit:1/json')).json();
    assert.ok(img.Config.Env.includes('A=1') && img.Config.Env.includes('B=2'), JSON.stringify(img.Config.Env));
    assert.deepEqual(img.Config.Labels, { l: 'v' });
    await dockerExpect(d, ['rm', 'fresh']);
    await dockerExpect(d, ['rmi', 'fid/commit:1']);
  });

  test('reference filter lists only the matching tags; RepoTags are in lexical order', async () => {
    for (const t of ['fid/ref:2', 'fid/ref:0', 'fid/other:9', 'aaa/ref:1']) await dockerExpect(d, ['tag', 'busybox', t]);
    const list = (await d.request('GET', '/images/json', { query: { filters: { reference: ['fid/ref:2'] } } })).json();
    assert.equal(list.length, 1);
    assert.deepEqual(list[0].RepoTags, ['fid/ref:2']);
    const byName = (await d.request('GET', '/images/json', { query: { filters: { reference: ['fid/*'] } } })).json();
    assert.deepEqual(byName[0].RepoTags, ['fid/other:9', 'fid/ref:0', 'fid/ref:2']);
    const cli = await dockerExpect(d, ['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', 'reference=fid/ref']);
    assert.deepEqual(cli.stdout.trim().split('\n').sort(), ['fid/ref:0', 'fid/ref:2']);
    const all = (await d.request('GET', '/images/busybox/json')).json();
    assert.deepEqual(all.RepoTags, ['aaa/ref:1', 'busybox:latest', 'fid/other:9', 'fid/ref:0', 'fid/ref:2']);
    await dockerExpect(d, ['rmi', 'fid/ref:2', 'fid/ref:0', 'fid/other:9', 'aaa/ref:1']);
  });

  test("exec start frames the stream by the start request's Tty, as dockerd does", async () => {
    const mk = async (tty: boolean, cmd: string) => {
      const res = await d.request('POST', '/containers/ex/exec', { body: { Cmd: ['sh', '-c', cmd], Tty: tty, AttachStdout: true, AttachStderr: true } });
      assert.equal(res.status, 201, res.body.toString());
      return res.json().Id as string;
    };
    // TTY exec, start without Tty: one stdout frame holding the terminal's output.
    const framed = await execStartRaw(d.socket, await mk(true, 'echo hi'), { Detach: false });
    assert.match(framed.head, /^HTTP\/1\.1 101/);
    assert.deepEqual(
      demux(framed.payload).map((f) => f.stream),
      [1],
    );
    assert.equal(streamText(demux(framed.payload), 1), 'hi\r\n');
    // TTY exec, start with Tty: raw.
    const raw = await execStartRaw(d.socket, await mk(true, 'echo hi'), { Detach: false, Tty: true });
    assert.equal(raw.payload.toString(), 'hi\r\n');
    // Non-TTY exec, start with Tty: raw stdout, stderr dropped (dockerd has nowhere to put it).
    const plain = await execStartRaw(d.socket, await mk(false, 'echo out; echo err >&2'), { Tty: true });
    assert.equal(plain.payload.toString(), 'out\n');
  });

  test("exec of a missing or non-executable binary: exit 126, dockerd's message, 400 when detached", async () => {
    const missing = await dockerExpect(d, ['exec', 'ex', '/nonexist'], 126);
    assert.match(
      missing.stderr + missing.stdout,
      /OCI runtime exec failed: exec failed: unable to start container process: exec: "\/nonexist": stat \/nonexist: no such file or directory: unknown/,
    );
    const notInPath = await dockerExpect(d, ['exec', 'ex', 'nonexist'], 126);
    assert.match(notInPath.stderr + notInPath.stdout, /exec: "nonexist": executable file not found in \$PATH: unknown/);
    const notExec = await dockerExpect(d, ['exec', 'ex', '/etc/passwd'], 126);
    assert.match(notExec.stderr + notExec.stdout, /exec: "\/etc\/passwd": permission denied: unknown/);
    const created = await d.request('POST', '/containers/ex/exec', { body: { Cmd: ['/nonexist'] } });
    const id = created.json().Id as string;
    const detached = await d.request('POST', `/exec/${id}/start`, { body: { Detach: true } });
    assert.equal(detached.status, 400, detached.body.toString());
    assert.match(detached.json().message, /no such file or directory: unknown$/);
    assert.equal((await d.request('GET', `/exec/${id}/json`)).json().ExitCode, 126);
  });

  test("top with bad ps arguments and rename without a name use dockerd's texts", async () => {
    const top = await d.request('GET', '/containers/ex/top', { query: { ps_args: '--nosuch' } });
    // dockerd's text; the status is 400 (dockerd 20.10: 500): bad ps_args are the client's error.
    assert.equal(top.status, 400);
    assert.equal(top.json().message, 'ps: error: unknown gnu long option');
    for (const target of ['ex', 'nosuch']) {
      const rename = await d.request('POST', `/containers/${target}/rename`);
      assert.equal(rename.status, 400);
      assert.equal(rename.json().message, 'Neither old nor new names may be empty');
    }
  });

  test("images/load of something that is not a tar: 200 with dockerd's in-band error line", async () => {
    const load = (body: Buffer) => d.request('POST', '/images/load', { body, headers: { 'Content-Type': 'application/x-tar' }, query: { quiet: '1' } });
    const cases: Array<[Buffer, string]> = [
      [Buffer.from('hello world this is not a tar\n'), 'Error processing tar file(exit status 1): unexpected EOF'],
      [Buffer.alloc(2048, 'garbage '), 'Error processing tar file(exit status 1): archive/tar: invalid tar header'],
    ];
    for (const [body, message] of cases) {
      const res = await load(body);
      assert.equal(res.status, 200);
      assert.deepEqual(res.json(), { errorDetail: { message }, error: message });
    }
    const cli = await d.docker(['load'], { input: 'not a tar at all' });
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /Error processing tar file\(exit status 1\): unexpected EOF/);
  });
});
