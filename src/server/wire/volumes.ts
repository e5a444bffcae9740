/**
 * Volumes as Docker's JSON (API 1.41) and the create body → options.
 * Labels and Options are null when empty, as dockerd writes them.
 */
import type { CreateVolumeOptions, VolumePruneResult, VolumeRecord } from '../../engine/api.js';
import { badRequest } from '../errors.js';
import { stringField, stringMapField, type Json } from './body-fields.js';
import { goMap } from './go-map.js';

export const nullIfEmpty = (m: Record<string, string>) => (Object.keys(m).length ? goMap(m) : null);

export function toVolume(v: VolumeRecord): Record<string, unknown> {
  return {
    CreatedAt: v.createdAt,
    Driver: v.driver,
    Labels: nullIfEmpty(v.labels),
    Mountpoint: v.mountpoint,
    Name: v.name,
    Options: nullIfEmpty(v.options),
    Scope: 'local',
  };
}

export function toVolumeList(volumes: VolumeRecord[]): Record<string, unknown> {
  // dockerd 20.10 writes a nil slice: null.
  return { Volumes: volumes.map(toVolume), Warnings: null };
}

export function toVolumePrune(r: VolumePruneResult): Record<string, unknown> {
  return { VolumesDeleted: r.deleted, SpaceReclaimed: r.spaceReclaimed };
}

/** `POST /volumes/create`: Name, Driver, DriverOpts, Labels (an absent body = all defaults). */
export function toCreateVolumeOptions(body: unknown): CreateVolumeOptions {
  if (body === null || body === undefined) return { name: '', driver: '', labels: {}, options: {} };
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('the volume configuration must be a JSON object');
  const b = body as Json;
  return {
    name: stringField(b, 'Name', 'Name'),
    driver: stringField(b, 'Driver', 'Driver'),
    labels: stringMapField(b, 'Labels', 'Labels'),
    options: stringMapField(b, 'DriverOpts', 'DriverOpts'),
  };
}
