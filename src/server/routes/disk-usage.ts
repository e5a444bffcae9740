/** GET /system/df. */
import type { Engine } from '../../engine/api.js';
import type { Operations } from '../app.js';
import { notSupported } from '../errors.js';
import { toDiskUsage } from '../wire/disk-usage.js';

export function diskUsageOperations(engine: Engine): Operations {
  async function getSystemDf() {
    if (!engine.diskUsage) throw notSupported('system df is not available');
    return toDiskUsage(await engine.diskUsage.df(), Date.now());
  }
  return { SystemDataUsage: { handler: getSystemDf, long: true } };
}
