import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOomKills } from '../../src/engine/host/cgroups.js';

test('OOM kills from memory.events (v2) and memory.oom_control (v1)', () => {
  assert.equal(parseOomKills('low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 0\n'), 2);
  assert.equal(parseOomKills('oom_kill_disable 0\nunder_oom 0\noom_kill 1\n'), 1);
  assert.equal(parseOomKills('oom_kill_disable 0\nunder_oom 0\n'), 0);
});
