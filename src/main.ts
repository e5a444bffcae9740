#!/usr/bin/env -S node --max-semi-space-size=4
/**
 * berthd: the composition root. Order: config → logger → engine (lock the
 * data root, open and migrate the database, reconcile containers) → HTTP app
 * → listen → tell systemd. On SIGTERM/SIGINT: stop listening, close the
 * database. Containers keep running under their conmon. The same shutdown,
 * with status 1, when the state database can no longer be synced.
 *
 * The shebang passes NODE_FLAGS (src/node-flags.ts); keep the two in step.
 * Host binaries are found by src/engine/host/binaries.ts, the one resolver.
 */
import fs from 'node:fs';
import { runHost } from './engine/host/spawner.js';
import pino from 'pino';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createEngine } from './engine/index.js';
import { isEngineError } from './engine/errors.js';
import { listen } from './listeners.js';
import { buildApp } from './server/app.js';
import { engineConfig } from './engine-config.js';
import { resolveBinary } from './engine/host/binaries.js';
import { readPackageVersion } from './package-root.js';
import { startIdleTrim } from './idle-memory.js';
import { trimCHeap } from './engine/host/libc.js';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.argv.slice(2));
  } catch (err) {
    if (err instanceof ConfigError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`berthd: ${(err as Error).message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = pino({ level: config.logLevel, base: { pid: process.pid } }, pino.destination(2));
  const version = readPackageVersion();
  const running = await createEngine(engineConfig(config, version), log);
  await running.start();
  const app = buildApp(running.engine, { logger: log, version });
  await app.ready();
  const listeners = await listen(app.server, config.hosts, config.tls);
  fs.writeFileSync(config.pidfile, `${process.pid}\n`);
  log.info({ hosts: config.hosts, dataRoot: config.dataRoot, execRoot: config.execRoot }, 'API listening');
  const stopIdleTrim = startIdleTrim({
    afterCollection: trimCHeap,
    onCollect: (ms) => log.debug({ ms }, 'quiet after work: heap collected, C heap trimmed'),
  });
  await notifySystemd('--ready');

  let stopping = false;
  const shutdown = async (signal: string, status = 0) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down; containers keep running');
    await notifySystemd('--stopping');
    stopIdleTrim();
    for (const l of listeners) l.close();
    await Promise.race([app.close(), new Promise((r) => setTimeout(r, 3000))]);
    await Promise.race([running.drain().catch((err: unknown) => log.warn({ err }, 'removing idle bridges')), new Promise((r) => setTimeout(r, 10_000))]);
    try {
      running.close();
    } catch (err) {
      log.error({ err }, 'closing the state database'); // its final checkpoint; SQLite recovers the log at the next start
    }
    fs.rmSync(config.pidfile, { force: true });
    process.exit(status);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // Status 1: systemd's Restart=on-failure starts berthd again, and SQLite recovers its log.
  void running.fatal.then(() => shutdown('state database sync failed', 1));
}

/**
 * systemd's readiness protocol through its own tool (Node cannot send unix
 * datagrams). Best effort, as before: a missing systemd-notify is reported,
 * not fatal.
 */
async function notifySystemd(flag: '--ready' | '--stopping'): Promise<void> {
  if (!process.env.NOTIFY_SOCKET) return;
  let tool: string;
  try {
    tool = resolveBinary('systemd-notify');
  } catch (err) {
    process.stderr.write(`berthd: ${(err as Error).message}\n`);
    return;
  }
  await runHost(tool, [flag, `MAINPID=${process.pid}`], { timeoutMs: 5_000 }).catch((err: unknown) => {
    process.stderr.write(`berthd: systemd-notify ${flag}: ${(err as Error).message}\n`);
  });
}

// `berthd check` is loaded only when asked for: the daemon never needs it (src/engine/on-demand.ts says why that matters).
const command =
  process.argv[2] === 'check'
    ? import('./check-command.js').then(({ checkCommand }) => checkCommand(process.argv.slice(3))).then((code) => process.exit(code))
    : main();
command.catch((err: unknown) => {
  const message = isEngineError(err) ? err.message : ((err as Error).stack ?? String(err));
  process.stderr.write(`berthd: ${message}\n`);
  process.exit(1);
});
