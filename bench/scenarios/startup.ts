/**
 * startup: a berthd of its own with N containers in its database (created
 * with `true`, never started): time from launching the process to the first
 * answered /_ping, per round. Also the same for an empty database.
 */
import path from 'node:path';
import { BerthDaemon } from '../berth-daemon.js';
import { ApiDriver, runPool } from '../driver.js';
import { DockerClient } from '../docker-client.js';

export interface StartupResult {
  emptyMs: number[];
  fullMs: number[];
  containers: number;
}

export async function measureStartup(workDir: string, rootfsTar: string, image: string, containers: number, rounds: number): Promise<StartupResult> {
  const daemon = new BerthDaemon({ workDir: path.join(workDir, 'startup') });
  const result: StartupResult = { emptyMs: [], fullMs: [], containers };
  try {
    await daemon.start();
    const client = new DockerClient(daemon.socket);
    const [repo, tag] = image.split(':');
    await client.importImage(rootfsTar, repo, tag);
    client.close();
    for (let r = 0; r < rounds; r++) {
      await daemon.stop();
      result.emptyMs.push(await daemon.start());
    }
    const filler = new DockerClient(daemon.socket);
    const driver = new ApiDriver('berth', filler, image, 'startup');
    await runPool(Array.from({ length: containers }), 8, (_x, i) => driver.createLabelled(['true'], {}, `startup-${i}`));
    filler.close();
    for (let r = 0; r < rounds; r++) {
      await daemon.stop();
      result.fullMs.push(await daemon.start());
    }
    const check = new DockerClient(daemon.socket);
    const listed = (await check.list('?all=1')).length;
    check.close();
    if (listed !== containers) throw new Error(`startup: berthd lists ${listed} containers after restart, expected ${containers}`);
    return result;
  } finally {
    await daemon.cleanup();
  }
}
