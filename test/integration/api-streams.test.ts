/**
 * The streaming container endpoints over raw HTTP: logs (stream choice,
 * since/until, timestamps, tail, follow, the 8-byte framing byte for byte),
 * the hijacked attach (101 with Upgrade: tcp, 200 without) and wait with
 * its conditions and early headers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { create, demux, inspectApi, logs, RawConnection, run, sleep, streamRequest, streamText, verb, waitExit } from './helpers/api.js';
import { startDaemon, type TestDaemon } from './helpers/daemon.js';
import { dockerTime, eventually, skipUnlessRoot } from './helpers/docker-cli.js';
import { importBusybox } from './helpers/images.js';

const TS = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z) (.*)$/s;

/** Docker's stdcopy frame: stream byte, three zero bytes, big-endian payload length, payload. */
function frame(stream: 1 | 2, text: string): Buffer {
  const data = Buffer.from(text);
  const head = Buffer.from([stream, 0, 0, 0, 0, 0, 0, 0]);
  head.writeUInt32BE(data.length, 4);
  return Buffer.concat([head, data]);
}

/** Seconds since the epoch with nanoseconds, from an RFC 3339 nano time. */
function unixSeconds(rfc3339: string): number {
  return Math.floor(dockerTime(rfc3339) / 1000) + Number('0.' + (/\.(\d+)Z$/.exec(rfc3339)?.[1] ?? '0'));
}

describe('logs, attach and wait over HTTP', { skip: skipUnlessRoot(), timeout: 120_000 }, () => {
  let d: TestDaemon;
  let id = '';
  before(async () => {
    d = await startDaemon();
    await importBusybox(d);
    // Two bursts 1.5 s apart so since/until can split them.
    id = await run(d, { Cmd: ['sh', '-c', 'echo out1; sleep 0.2; echo err1 >&2; sleep 1.5; echo out2; sleep 0.2; echo err2 >&2'] });
    assert.equal(await waitExit(d, id), 0);
  });
  after(async () => {
    await d?.cleanup();
  });

  test('non-TTY logs are framed byte for byte, stdout and stderr chosen separately', async () => {
    const both = await d.request('GET', `/containers/${id}/logs`, { query: { stdout: 1, stderr: 1 } });
    assert.equal(both.headers['content-type'], 'application/vnd.docker.raw-stream');
    assert.deepEqual(both.body, Buffer.concat([frame(1, 'out1\n'), frame(2, 'err1\n'), frame(1, 'out2\n'), frame(2, 'err2\n')]));
    const out = await d.request('GET', `/containers/${id}/logs`, { query: { stdout: 1 } });
    assert.deepEqual(out.body, Buffer.concat([frame(1, 'out1\n'), frame(1, 'out2\n')]));
    const err = await d.request('GET', `/containers/${id}/logs`, { query: { stderr: 1 } });
    assert.deepEqual(err.body, Buffer.concat([frame(2, 'err1\n'), frame(2, 'err2\n')]));
  });

  test('timestamps prefix every payload; since and until split by time', async () => {
    const stamped = (await logs(d, id, { stdout: 1, stderr: 1, timestamps: 1 })).frames.map((f) => {
      const m = TS.exec(f.data.toString());
      assert.ok(m, `not timestamped: ${JSON.stringify(f.data.toString())}`);
      return { time: m[1], text: m[2] };
    });
    assert.deepEqual(
      stamped.map((s) => s.text),
      ['out1\n', 'err1\n', 'out2\n', 'err2\n'],
    );
    const split = (unixSeconds(stamped[1].time) + unixSeconds(stamped[2].time)) / 2;
    const since = await logs(d, id, { stdout: 1, stderr: 1, since: split.toFixed(9) });
    assert.equal(since.stdout + since.stderr, 'out2\nerr2\n');
    const until = await logs(d, id, { stdout: 1, stderr: 1, until: split.toFixed(9) });
    assert.equal(until.stdout + until.stderr, 'out1\nerr1\n');
    const whole = await logs(d, id, { stdout: 1, since: Math.floor(split).toString() });
    assert.ok(whole.stdout.endsWith('out2\n'));
  });

  test('tail counts lines from the end; tail=all means everything', async () => {
    assert.equal((await logs(d, id, { stdout: 1, stderr: 1, tail: 1 })).stderr, 'err2\n');
    // As dockerd: tail picks the last lines of the log, then the stream choice filters them.
    assert.equal((await logs(d, id, { stdout: 1, tail: 1 })).stdout, '');
    assert.equal((await logs(d, id, { stdout: 1, tail: 2 })).stdout, 'out2\n');
    const two = await logs(d, id, { stdout: 1, stderr: 1, tail: 2 });
    assert.equal(two.stdout + two.stderr, 'out2\nerr2\n');
    assert.equal((await logs(d, id, { stdout: 1, tail: 0 })).raw.length, 0);
    assert.equal((await logs(d, id, { stdout: 1, tail: 'all' })).stdout, 'out1\nout2\n');
  });

  test('follow streams new lines and ends when the container exits', async () => {
    const f = await run(d, { Cmd: ['sh', '-c', 'for i in 1 2 3 4 5; do echo n$i; sleep 0.3; done'] });
    const res = await streamRequest(d, 'GET', `/containers/${f}/logs`, { stdout: 1, follow: 1 });
    assert.equal(res.status, 200);
    const t0 = Date.now();
    const body = await res.body;
    assert.ok(Date.now() - t0 > 300, 'the stream stayed open while the container ran');
    assert.equal(streamText(demux(body), 1), 'n1\nn2\nn3\nn4\nn5\n');
    assert.equal((await inspectApi(d, f)).State.Status, 'exited');
    // Following an exited container returns what is there and ends.
    assert.equal(streamText(demux(await (await streamRequest(d, 'GET', `/containers/${f}/logs`, { stdout: 1, follow: 1 })).body), 1), 'n1\nn2\nn3\nn4\nn5\n');
  });

  /** The raw HTTP request of an attach; `upgrade` adds Docker's hijack headers. */
  const attachRequest = (cid: string, upgrade: boolean) =>
    `POST /v1.41/containers/${cid}/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: berth\r\nContent-Length: 0\r\n` +
    (upgrade ? 'Connection: Upgrade\r\nUpgrade: tcp\r\n' : '') +
    '\r\n';

  for (const upgrade of [true, false]) {
    test(`attach ${upgrade ? 'with Upgrade: tcp → 101' : 'without Upgrade → 200'} gets all output of a container started after it`, async () => {
      const cid = await create(d, { Cmd: ['sh', '-c', 'echo a; echo b >&2; echo c'], AttachStdout: true, AttachStderr: true });
      const conn = new RawConnection(d.socket, attachRequest(cid, upgrade));
      try {
        const head = await conn.head();
        assert.match(head, upgrade ? /^HTTP\/1\.1 101 / : /^HTTP\/1\.1 200 /);
        assert.match(head, /content-type: application\/vnd\.docker\.raw-stream/i);
        if (upgrade) assert.match(head, /upgrade: tcp/i);
        await verb(d, cid, 'start');
        await Promise.race([conn.closed, sleep(10_000)]);
        const frames = demux(conn.body());
        assert.equal(streamText(frames, 1), 'a\nc\n');
        assert.equal(streamText(frames, 2), 'b\n');
      } finally {
        conn.close();
      }
    });
  }

  test('wait not-running: 200 headers arrive before the container exits', async () => {
    const cid = await run(d, { Cmd: ['sh', '-c', 'sleep 1.5; exit 5'] });
    const res = await streamRequest(d, 'POST', `/containers/${cid}/wait`);
    assert.equal(res.status, 200);
    assert.equal((await inspectApi(d, cid)).State.Status, 'running', 'headers came while it still ran');
    assert.deepEqual(JSON.parse((await res.body).toString()), { StatusCode: 5, Error: null });
    // On an exited container not-running answers at once.
    assert.equal(await waitExit(d, cid), 5);
  });

  test('wait next-exit waits for the next run of an exited container', async () => {
    const cid = await run(d, { Cmd: ['sh', '-c', 'sleep 0.5; exit 6'] });
    assert.equal(await waitExit(d, cid), 6);
    const res = await streamRequest(d, 'POST', `/containers/${cid}/wait`, { condition: 'next-exit' });
    assert.equal(res.status, 200);
    let settled = false;
    const body = res.body.then((b) => ((settled = true), b));
    await sleep(700);
    assert.equal(settled, false, 'next-exit must not answer for the previous exit');
    await verb(d, cid, 'start');
    assert.equal(JSON.parse((await body).toString()).StatusCode, 6);
  });

  test('wait removed answers when the container is deleted', async () => {
    const cid = await run(d, { Cmd: ['sh', '-c', 'exit 2'] });
    assert.equal(await waitExit(d, cid), 2);
    const res = await streamRequest(d, 'POST', `/containers/${cid}/wait`, { condition: 'removed' });
    let settled = false;
    const body = res.body.then((b) => ((settled = true), b));
    await sleep(300);
    assert.equal(settled, false);
    assert.equal((await d.request('DELETE', `/containers/${cid}`)).status, 204);
    assert.equal(JSON.parse((await body).toString()).StatusCode, 2);
    await eventually('gone', async () => (await d.request('GET', `/containers/${cid}/json`)).status === 404);
  });
});
