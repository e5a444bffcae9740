/**
 * GET /system/df: images with shared and unique sizes (a committed child
 * shares busybox's layer), containers with their writable-layer size, and
 * volumes with their users and sizes, and the docker CLI's `system df` and
 * `system df -v` tables.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useDaemon } from './helpers/suite.js';
import { dockerExpect, inspect, skipUnlessRoot } from './helpers/docker-cli.js';

describe('system df', { skip: skipUnlessRoot(), timeout: 120_000 }, () => {
  const d = useDaemon();

  test('shared sizes, SizeRw and the CLI tables', async () => {
    await dockerExpect(d, ['run', '--name', 'writer', 'busybox', 'sh', '-c', 'head -c 100000 /dev/zero > /blob']);
    await dockerExpect(d, ['commit', 'writer', 'child:1']);
    const res = await d.request('GET', '/system/df');
    assert.equal(res.status, 200);
    const df = res.json();
    const busybox = df.Images.find((i: any) => i.RepoTags.includes('busybox:latest'));
    const child = df.Images.find((i: any) => i.RepoTags.includes('child:1'));
    assert.ok(busybox && child, JSON.stringify(df.Images));
    assert.equal(busybox.SharedSize, busybox.Size, "busybox's only layer is shared with the child");
    assert.equal(child.SharedSize, busybox.Size);
    assert.ok(child.Size > busybox.Size);
    assert.equal(busybox.Containers, 1);
    assert.equal(df.LayersSize, child.Size);
    const writer = df.Containers.find((c: any) => c.Names[0] === '/writer');
    assert.ok(writer.SizeRw >= 100000, `SizeRw ${writer.SizeRw}`);
    assert.ok(writer.SizeRootFs >= writer.SizeRw + busybox.Size);
    assert.deepEqual(df.Volumes, []);
    assert.equal(df.BuildCache, null);
    assert.equal(df.BuilderSize, 0);

    const table = (await dockerExpect(d, ['system', 'df'])).stdout;
    assert.match(table, /^Images\s+2\s+1\s+/m);
    assert.match(table, /^Containers\s+1\s+0\s+/m);
    assert.match(table, /^Local Volumes\s+0\s+0\s+/m);
    const verbose = (await dockerExpect(d, ['system', 'df', '-v'])).stdout;
    assert.match(verbose, /Images space usage:/);
    assert.match(verbose, /child\s+1\s+\w+/);
    assert.match(verbose, /Containers space usage:/);
    assert.match(verbose, /writer/);
    assert.ok((await inspect(d, 'writer')).Id);
    await dockerExpect(d, ['rm', 'writer']);
    await dockerExpect(d, ['rmi', 'child:1']);
  });

  test('volumes with their users and the bytes of their data', async () => {
    await dockerExpect(d, ['run', '--name', 'vol-writer', '-v', 'dfdata:/data', 'busybox', 'sh', '-c', 'head -c 50000 /dev/zero > /data/f']);
    await dockerExpect(d, ['volume', 'create', 'dfidle']);
    const df = (await d.request('GET', '/system/df')).json();
    const used = df.Volumes.find((v: any) => v.Name === 'dfdata');
    const idle = df.Volumes.find((v: any) => v.Name === 'dfidle');
    assert.deepEqual(used.UsageData, { Size: 50000, RefCount: 1 });
    assert.deepEqual(idle.UsageData, { Size: 0, RefCount: 0 });
    assert.match((await dockerExpect(d, ['system', 'df'])).stdout, /^Local Volumes\s+2\s+1\s+/m);
    await dockerExpect(d, ['rm', 'vol-writer']);
    await dockerExpect(d, ['volume', 'rm', 'dfdata', 'dfidle']);
  });
});
