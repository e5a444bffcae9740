import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerfile } from '../../src/engine/build/dockerfile/parser.js';
import { expandWord, expandWords, lookupFrom } from '../../src/engine/build/dockerfile/expand.js';
import { neededStages, splitStages, targetStage } from '../../src/engine/build/dockerfile/stages.js';
import { isEngineError } from '../../src/engine/errors.js';

test('parser: continuations, comments inside them, flags, JSON form, line numbers', () => {
  const df = parseDockerfile(
    [
      '# syntax=docker/dockerfile:1',
      'FROM busybox AS b',
      '',
      'RUN echo a \\',
      '# a comment inside',
      '    && echo b',
      'COPY --chown=1:2 --from=b ["a b", "/x/"]',
      'run ["sh","-c","true"]',
    ].join('\n'),
  );
  assert.equal(df.escape, '\\');
  const [from, run, copy, exec] = df.instructions;
  assert.equal(from.name, 'from');
  assert.equal(run.original, 'RUN echo a     && echo b');
  assert.equal(run.line, 4);
  assert.deepEqual(copy.flags, { chown: '1:2', from: 'b' });
  assert.deepEqual(copy.json, ['a b', '/x/']);
  assert.deepEqual(exec.json, ['sh', '-c', 'true']);
  assert.equal(exec.line, 8);
});

test('parser: escape directive and unknown instruction with its line', () => {
  const df = parseDockerfile('# escape=`\nFROM x\nRUN a `\n  b\n');
  assert.equal(df.escape, '`');
  assert.equal(df.instructions[1].args, 'a   b');
  assert.throws(
    () => parseDockerfile('FROM busybox\nRUN true\nFOO bar\n'),
    (e: unknown) => isEngineError(e, 'invalid-parameter') && e.message === 'dockerfile parse error line 3: unknown instruction: FOO',
  );
});

test('expand: $VAR, ${VAR}, modifiers, quotes and escapes', () => {
  const vars = lookupFrom(['A=1', 'E='], { B: 'two' });
  assert.equal(expandWord('$A-${B}', vars), '1-two');
  assert.equal(expandWord('${NOPE:-dflt} ${E:-x} ${E-y}', vars), 'dflt x ');
  assert.equal(expandWord('${A:+set} ${E:+no} ${E+yes}', vars), 'set  yes');
  assert.equal(expandWord('\'$A\' "$A" \\$A', vars), '$A 1 $A');
  assert.equal(expandWord('a$ b $1', vars), 'a$ b $1');
  assert.deepEqual(expandWords('x "y z" $A', vars), ['x', 'y z', '1']);
  assert.throws(() => expandWord('${NOPE:?must}', vars), /NOPE: must/);
});

test('stages: meta args, names, target, only needed stages', () => {
  const df = parseDockerfile(
    ['ARG BASE=busybox', 'FROM $BASE AS deps', 'FROM busybox AS unused', 'FROM deps AS builder', 'FROM busybox', 'COPY --from=builder /a /a'].join('\n'),
  );
  const plan = splitStages(df);
  assert.equal(plan.metaArgs.length, 1);
  assert.equal(plan.stages.length, 4);
  const meta = lookupFrom([], { BASE: 'busybox' });
  assert.deepEqual([...neededStages(plan, targetStage(plan, ''), meta, '\\')].sort(), [0, 2, 3]);
  assert.deepEqual([...neededStages(plan, targetStage(plan, 'BUILDER'), meta, '\\')].sort(), [0, 2]);
  assert.throws(() => targetStage(plan, 'nope'), /failed to reach build target nope/);
});
