/**
 * Attach and exec start without `Upgrade: tcp`: dockerd still hijacks the
 * connection, so every byte the client sends after its request (here after a
 * JSON body with a Content-Length, as dockerode's `attach({stdin: true})`
 * without `hijack` sends it) is stdin, and a half-close of the client is EOF
 * of stdin while the output goes on. Before the fix berthd parsed those bytes
 * as a new HTTP request and answered 400 into the stream.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { create, demux, RawConnection, sleep, streamText, verb, waitExit } from './helpers/api.js';
import { skipUnlessRoot } from './helpers/docker-cli.js';
import { useDaemon } from './helpers/suite.js';

/** A POST with a JSON body of known length and no Upgrade header. */
function postWithBody(path: string, body: object): string {
  const json = JSON.stringify(body);
  return `POST /v1.41${path} HTTP/1.1\r\nHost: berth\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
}

describe('hijack without Upgrade: the bytes after the request are stdin', { skip: skipUnlessRoot() }, () => {
  const d = useDaemon();

  test('attach (no TTY): stdin reaches the container, EOF by half-close, output framed', async () => {
    const cid = await create(d, { Cmd: ['sh', '-c', 'cat; echo done >&2'], OpenStdin: true, StdinOnce: true, AttachStdin: true });
    const attach = `/containers/${cid}/attach?stream=1&stdin=1&stdout=1&stderr=1`;
    const conn = new RawConnection(d.socket, postWithBody(attach, { stream: true, stdin: true, stdout: true, stderr: true }));
    try {
      assert.match(await conn.head(), /^HTTP\/1\.1 200 /);
      await verb(d, cid, 'start');
      conn.write('hello\n');
      await conn.until(() => streamText(demux(conn.body()), 1) === 'hello\n');
      conn.write('GET /_ping HTTP/1.1\r\n\r\n');
      conn.end();
      assert.equal(await waitExit(d, cid), 0);
      await Promise.race([conn.closed, sleep(10_000)]);
      const frames = demux(conn.body());
      // Even bytes that look like a request are the container's input, never answered by berthd.
      assert.equal(streamText(frames, 1), 'hello\nGET /_ping HTTP/1.1\r\n\r\n');
      assert.equal(streamText(frames, 2), 'done\n');
      assert.doesNotMatch(conn.body().toString('latin1'), /HTTP\/1\.1 400/);
    } finally {
      conn.close();
    }
  });

  test('attach (TTY): the terminal echoes what was written after the request', async () => {
    const cid = await create(d, { Cmd: ['cat'], Tty: true, OpenStdin: true, AttachStdin: true });
    const conn = new RawConnection(d.socket, postWithBody(`/containers/${cid}/attach?stream=1&stdin=1&stdout=1`, {}));
    try {
      assert.match(await conn.head(), /^HTTP\/1\.1 200 /);
      await verb(d, cid, 'start');
      conn.write('hi\n');
      await conn.until(() => conn.body().toString() === 'hi\r\nhi\r\n');
    } finally {
      conn.close();
      await verb(d, cid, 'kill');
    }
  });

  test('exec start without Upgrade: stdin after the JSON body', async () => {
    const cid = await create(d, { Cmd: ['sleep', '60'] });
    await verb(d, cid, 'start');
    const exec = await d.request('POST', `/containers/${cid}/exec`, { body: { Cmd: ['cat'], AttachStdin: true, AttachStdout: true } });
    assert.equal(exec.status, 201, exec.body.toString());
    const conn = new RawConnection(d.socket, postWithBody(`/exec/${exec.json().Id}/start`, { Detach: false, Tty: false }));
    try {
      assert.match(await conn.head(), /^HTTP\/1\.1 200 /);
      conn.write('one\ntwo\n');
      conn.end();
      await Promise.race([conn.closed, sleep(10_000)]);
      assert.equal(streamText(demux(conn.body()), 1), 'one\ntwo\n');
    } finally {
      conn.close();
      await verb(d, cid, 'kill');
    }
  });
});
