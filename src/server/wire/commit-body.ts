/**
 * The optional ContainerConfig body of `POST /commit`: the fields an image
 * config can carry. Absent, null or empty fields stay unset (the container's
 * value is kept). Wrong JSON types → 400 naming the field.
 */
import type { ImageRuntimeConfig } from '../../engine/api.js';
import { badRequest } from '../errors.js';
import { objectField, stringField, stringListField, stringMapField, strSliceField, type Json } from './body-fields.js';

export function commitConfigFromBody(body: unknown): Partial<ImageRuntimeConfig> | null {
  if (body === undefined || body === null) return null;
  // A body sent with another Content-Type arrives as the raw stream: no config.
  if (typeof (body as { pipe?: unknown }).pipe === 'function') return null;
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('the commit body must be a container config object');
  const b = body as Json;
  const out: Partial<ImageRuntimeConfig> = {
    cmd: strSliceField(b, 'Cmd', 'Cmd'),
    entrypoint: strSliceField(b, 'Entrypoint', 'Entrypoint'),
    env: stringListField(b, 'Env', 'Env'),
    workingDir: stringField(b, 'WorkingDir', 'WorkingDir'),
    user: stringField(b, 'User', 'User'),
    labels: stringMapField(b, 'Labels', 'Labels'),
    exposedPorts: Object.keys(objectField(b, 'ExposedPorts', 'ExposedPorts')),
    stopSignal: stringField(b, 'StopSignal', 'StopSignal'),
    volumes: Object.keys(objectField(b, 'Volumes', 'Volumes')),
  };
  return out;
}
