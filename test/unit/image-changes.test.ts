import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyChanges, emptyRuntimeConfig, parsePortSpec } from '../../src/engine/images/changes.js';
import { isEngineError } from '../../src/engine/errors.js';

test('CMD and ENTRYPOINT: JSON and shell form', () => {
  const c = applyChanges(emptyRuntimeConfig(), ['CMD ["sh", "-c", "echo hi"]', 'entrypoint /bin/run --x "a b"']);
  assert.deepEqual(c.cmd, ['sh', '-c', 'echo hi']);
  assert.deepEqual(c.entrypoint, ['/bin/sh', '-c', '/bin/run --x "a b"']);
  const bad = applyChanges(emptyRuntimeConfig(), ['CMD [not json']);
  assert.deepEqual(bad.cmd, ['/bin/sh', '-c', '[not json']);
});

test('ENV: pairs, legacy form, quotes, replacement', () => {
  const c = applyChanges(emptyRuntimeConfig(), ['ENV A=1 B="two words" C=\'x y\'', 'ENV D some value', 'ENV A=3', 'ENV E=a\\ b']);
  assert.deepEqual(c.env, ['A=3', 'B=two words', 'C=x y', 'D=some value', 'E=a b']);
  assert.throws(
    () => applyChanges(emptyRuntimeConfig(), ['ENV ONLY']),
    (e: unknown) => isEngineError(e, 'invalid-parameter'),
  );
  assert.throws(
    () => applyChanges(emptyRuntimeConfig(), ['ENV A="open']),
    (e: unknown) => isEngineError(e, 'invalid-parameter'),
  );
});

test('LABEL, WORKDIR, USER, STOPSIGNAL, VOLUME, ONBUILD', () => {
  const c = applyChanges(emptyRuntimeConfig(), [
    'LABEL a=b "com.x.y"="v w" empty=',
    'WORKDIR /srv',
    'WORKDIR app',
    'USER 1000:1000',
    'STOPSIGNAL SIGTERM',
    'VOLUME ["/data", "/logs"]',
    'VOLUME /cache /data',
    'ONBUILD RUN echo ignored',
    '',
  ]);
  assert.deepEqual(c.labels, { a: 'b', 'com.x.y': 'v w', empty: '' });
  assert.equal(c.workingDir, '/srv/app');
  assert.equal(c.user, '1000:1000');
  assert.equal(c.stopSignal, 'SIGTERM');
  assert.deepEqual(c.volumes, ['/data', '/logs', '/cache']);
});

test('EXPOSE: default tcp, protocols, ranges', () => {
  const c = applyChanges(emptyRuntimeConfig(), ['EXPOSE 80 443/tcp 53/UDP', 'EXPOSE 8000-8002/udp', 'EXPOSE 80']);
  assert.deepEqual(c.exposedPorts, ['80/tcp', '443/tcp', '53/udp', '8000/udp', '8001/udp', '8002/udp']);
  assert.throws(() => parsePortSpec('80/xyz'), /Invalid proto/);
  assert.throws(() => parsePortSpec('abc'), /Invalid containerPort/);
});

test('unknown instruction uses Docker text; input is not mutated', () => {
  const base = emptyRuntimeConfig();
  assert.throws(
    () => applyChanges(base, ['RUN apt-get update']),
    (e: unknown) => isEngineError(e, 'invalid-parameter') && e.message === 'run is not a valid change command',
  );
  applyChanges(base, ['ENV X=1', 'LABEL a=b']);
  assert.deepEqual(base, emptyRuntimeConfig());
});
