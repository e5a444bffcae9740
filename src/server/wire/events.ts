/**
 * Docker's events.Message JSON, field order as Go writes it. `timeNano` is
 * an exact 64-bit integer (it does not fit a JS number), so the line is
 * assembled around it. The legacy status/id/from fields are set for
 * container and image events only, as dockerd does. Attributes are in
 * byte order of their keys, as Go encodes a map.
 */
import type { EventRecord } from '../../engine/api.js';

export function eventLine(e: EventRecord): string {
  const legacy =
    e.type === 'container'
      ? { status: e.action, id: e.id, ...(e.attributes.image !== undefined ? { from: e.attributes.image } : {}) }
      : e.type === 'image'
        ? { status: e.action, id: e.id }
        : {};
  const head = JSON.stringify({
    ...legacy,
    Type: e.type,
    Action: e.action,
    Actor: { ID: e.id, Attributes: sortedByKey(e.attributes) },
    scope: 'local',
    time: Number(e.timeNano / 1_000_000_000n),
  });
  return `${head.slice(0, -1)},"timeNano":${e.timeNano.toString()}}\n`;
}

function sortedByKey(attributes: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
