/**
 * Exec bodies and answers: the ExecConfig body of `POST /containers/{id}/exec`,
 * the `POST /exec/{id}/start` body, and `GET /exec/{id}/json`. Pure.
 */
import type { ExecCreateOptions, ExecStartOptions, ExecView } from '../../engine/api.js';
import { badRequest } from '../errors.js';
import { boolField, stringField, stringListField, strSliceField, type Json } from './body-fields.js';

function asObject(body: unknown): Json {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('the request body must be a JSON object');
  return body as Json;
}

/** Docker's ConsoleSize [height, width]; null when absent; 400 unless two non-negative integers. */
function consoleSizeField(obj: Json): [number, number] | null {
  const v = obj.ConsoleSize;
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v) || v.length !== 2 || !v.every((n) => Number.isInteger(n) && n >= 0)) {
    throw badRequest('ConsoleSize must be two non-negative integers [height, width]');
  }
  return [v[0] as number, v[1] as number];
}

/** ExecConfig → engine options. An empty Cmd is left for the engine to refuse with Docker's text. */
export function execCreateFromBody(body: unknown): ExecCreateOptions {
  const b = asObject(body);
  return {
    cmd: strSliceField(b, 'Cmd', 'Cmd') ?? [],
    env: stringListField(b, 'Env', 'Env'),
    workingDir: stringField(b, 'WorkingDir', 'WorkingDir'),
    user: stringField(b, 'User', 'User'),
    tty: boolField(b, 'Tty', 'Tty'),
    attachStdin: boolField(b, 'AttachStdin', 'AttachStdin'),
    attachStdout: boolField(b, 'AttachStdout', 'AttachStdout'),
    attachStderr: boolField(b, 'AttachStderr', 'AttachStderr'),
    privileged: boolField(b, 'Privileged', 'Privileged'),
    detachKeys: stringField(b, 'DetachKeys', 'DetachKeys'),
  };
}

/**
 * ExecStartConfig. `tty` is the start request's own Tty: dockerd frames the
 * attached stream by it (not by the exec's Tty), so an exec created with a
 * TTY and started without repeating it gets a multiplexed stream.
 */
export function execStartFromBody(body: unknown): ExecStartOptions & { tty: boolean } {
  const b = asObject(body);
  return { detach: boolField(b, 'Detach', 'Detach'), consoleSize: consoleSizeField(b), tty: boolField(b, 'Tty', 'Tty') };
}

/** `POST /containers/{id}/exec` (201): the new session's ID. */
export function execCreateResponse(id: string): { Id: string } {
  return { Id: id };
}

/** Docker's ExecInspectResponse. */
export function execInspectJson(v: ExecView): Record<string, unknown> {
  return {
    CanRemove: false,
    ContainerID: v.containerId,
    DetachKeys: v.detachKeys,
    ExitCode: v.exitCode,
    ID: v.id,
    OpenStderr: v.openStderr,
    OpenStdin: v.openStdin,
    OpenStdout: v.openStdout,
    ProcessConfig: {
      arguments: v.cmd.slice(1),
      entrypoint: v.cmd[0] ?? '',
      privileged: v.privileged,
      tty: v.tty,
      // dockerd omits an empty user (omitempty).
      ...(v.user ? { user: v.user } : {}),
    },
    Running: v.running,
    Pid: v.pid,
  };
}
