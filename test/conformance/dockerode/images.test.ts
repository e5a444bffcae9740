/**
 * dockerode's image API against berthd: listImages/getImage inspect, tag,
 * remove, buildImage from a tar stream (progress through
 * modem.followProgress), and push/pull with modem.followProgress against a
 * local registry (Debian's docker-registry on 127.0.0.1).
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { startDaemon, type TestDaemon } from '../../integration/helpers/daemon.js';
import { makeTar } from '../../integration/helpers/image-archives.js';
import { importBusybox } from '../../integration/helpers/images.js';
import { skipUnlessRegistry, startRegistry, type TestRegistry } from '../../integration/helpers/registry.js';
import { demuxed, dockerode, followProgress, skipUnlessRoot } from './client.js';

describe('dockerode: images', { skip: skipUnlessRoot() || skipUnlessRegistry(), timeout: 180_000 }, () => {
  let d: TestDaemon;
  let reg: TestRegistry;
  before(async () => {
    reg = await startRegistry();
    d = await startDaemon();
    await importBusybox(d);
  });
  after(async () => {
    await d?.cleanup();
    await reg?.stop();
  });

  test('listImages with a reference filter, getImage().inspect, tag, remove', async () => {
    const docker = dockerode(d);
    const listed = await docker.listImages({ filters: { reference: ['busybox'] } });
    assert.equal(listed.length, 1);
    assert.deepEqual(listed[0].RepoTags, ['busybox:latest']);
    const image = await docker.getImage('busybox').inspect();
    assert.equal(image.Id, listed[0].Id);
    assert.deepEqual(image.Config.Cmd, ['sh']);

    await docker.getImage('busybox').tag({ repo: 'dode/tagged', tag: 'v1' });
    assert.deepEqual((await docker.getImage('dode/tagged:v1').inspect()).RepoTags.sort(), ['busybox:latest', 'dode/tagged:v1']);
    const removed = await docker.getImage('dode/tagged:v1').remove();
    assert.deepEqual(removed, [{ Untagged: 'dode/tagged:v1' }]);
    await assert.rejects(docker.getImage('dode/tagged:v1').inspect(), (err: { statusCode?: number }) => err.statusCode === 404);
  });

  test('buildImage from a tar stream: progress messages, then a runnable image', async () => {
    const docker = dockerode(d);
    const context = await makeTar([
      ['Dockerfile', 'FROM busybox\nRUN echo built > /built\nCOPY hello.txt /hello.txt\nLABEL dode.build=yes\nCMD ["sh", "-c", "cat /built /hello.txt"]\n'],
      ['hello.txt', 'hello\n'],
    ]);
    const steps: string[] = [];
    const output = await followProgress(docker, await docker.buildImage(Readable.from(context), { t: 'dode/built:1', rm: true }), (e) => {
      if (typeof e.stream === 'string') steps.push(e.stream);
    });
    assert.ok(
      steps.some((s) => s.startsWith('Step 1/5 : FROM busybox')),
      steps.join(''),
    );
    assert.ok(
      output.some((e) => e.aux?.ID?.startsWith('sha256:')),
      JSON.stringify(output),
    );
    assert.ok(
      steps.some((s) => s.startsWith('Successfully tagged dode/built:1')),
      steps.join(''),
    );
    assert.equal((await docker.getImage('dode/built:1').inspect()).Config.Labels['dode.build'], 'yes');

    const c = await docker.createContainer({ Image: 'dode/built:1' });
    const logs = c.attach({ stream: true, stdout: true, stderr: true }).then((s) => demuxed(docker, s));
    await c.start();
    assert.deepEqual(await logs, { stdout: 'built\nhello\n', stderr: '' });
    await c.remove();
  });

  test('a failing build: the in-band error is the last message followProgress hands over', async () => {
    const docker = dockerode(d);
    const context = await makeTar([['Dockerfile', 'FROM busybox\nRUN exit 7\n']]);
    const output = await followProgress(docker, await docker.buildImage(Readable.from(context), { t: 'dode/broken:1' }));
    const last = output[output.length - 1];
    assert.deepEqual(last.errorDetail, { code: 7, message: "The command '/bin/sh -c exit 7' returned a non-zero code: 7" });
    assert.equal(last.error, last.errorDetail.message);
    await assert.rejects(docker.getImage('dode/broken:1').inspect(), (err: { statusCode?: number }) => err.statusCode === 404);
  });

  test('push and pull through a local registry with modem.followProgress', async () => {
    const docker = dockerode(d);
    const ref = `${reg.host}/dode/bb`;
    await docker.getImage('busybox').tag({ repo: ref, tag: '1' });
    const pushed = await followProgress(docker, await docker.getImage(`${ref}:1`).push({}));
    assert.ok(
      pushed.some((e) => typeof e.aux?.Digest === 'string'),
      JSON.stringify(pushed),
    );
    await docker.getImage(`${ref}:1`).remove();

    const events: any[] = [];
    const pulled = await followProgress(docker, await docker.pull(`${ref}:1`), (e) => events.push(e));
    assert.ok(events.length > 0, 'progress events');
    assert.deepEqual(pulled, events);
    assert.ok(
      pulled.some((e) => e.status === `Status: Downloaded newer image for ${ref}:1`),
      JSON.stringify(pulled),
    );
    const image = await docker.getImage(`${ref}:1`).inspect();
    assert.ok(
      image.RepoDigests.some((r: string) => r.startsWith(`${ref}@sha256:`)),
      JSON.stringify(image.RepoDigests),
    );

    const again = await followProgress(docker, await docker.pull(`${ref}:1`));
    assert.ok(
      again.some((e) => e.status === `Status: Image is up to date for ${ref}:1`),
      JSON.stringify(again),
    );
    await assert.rejects(docker.pull(`${ref}:missing`), (err: { statusCode?: number }) => err.statusCode === 404);
  });
});
