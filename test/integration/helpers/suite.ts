/**
 * The daemon of a test file: `const d = useDaemon();` inside a describe
 * registers before/after hooks that start one berthd with busybox imported
 * and clean it up (failing on leaks). `d` forwards to that daemon, so tests
 * read `d.request(…)` as with a plain TestDaemon. Importing this module does
 * nothing by itself. `skip` (the file's skip reason) starts nothing.
 */
import { after, before } from 'node:test';
import { startDaemon, type StartDaemonOptions, type TestDaemon } from './daemon.js';
import { importBusybox } from './images.js';

export function useDaemon(opts: StartDaemonOptions & { skip?: string | false } = {}): TestDaemon {
  let daemon: TestDaemon | undefined;
  before(async () => {
    if (opts.skip) return; // top-level hooks run even when every test of the file is skipped
    daemon = await startDaemon(opts);
    await importBusybox(daemon);
  });
  after(async () => {
    await daemon?.cleanup();
  });
  return new Proxy({} as TestDaemon, {
    get(_target, property) {
      if (!daemon) throw new Error('the test daemon is not started yet (use it inside a test or hook)');
      const value = Reflect.get(daemon, property, daemon) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(daemon) : value;
    },
  });
}
