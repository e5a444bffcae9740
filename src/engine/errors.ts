/**
 * The one error type the engine throws. The server maps `kind` to an HTTP
 * status in exactly one place (src/server/errors.ts); nothing else in the
 * engine knows about status codes.
 */
export type ErrorKind =
  | 'not-found'
  | 'invalid-parameter'
  | 'conflict'
  | 'not-modified'
  | 'unavailable'
  | 'forbidden'
  | 'unauthorized'
  | 'not-implemented'
  | 'system';

export class EngineError extends Error {
  override readonly name = 'EngineError';
  /** A closed set: the server's status mapping depends on it. */
  readonly kind: ErrorKind;
  /** Stable `BERTH_<AREA>_<CONDITION>` code for logs and tests. */
  readonly code: string;

  constructor(kind: ErrorKind, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.code = code;
  }
}

export const notFound = (code: string, message: string, cause?: unknown) =>
  new EngineError('not-found', code, message, { cause });
export const invalid = (code: string, message: string, cause?: unknown) =>
  new EngineError('invalid-parameter', code, message, { cause });
export const conflict = (code: string, message: string, cause?: unknown) =>
  new EngineError('conflict', code, message, { cause });
export const notModified = (code: string, message: string) =>
  new EngineError('not-modified', code, message);
export const systemError = (code: string, message: string, cause?: unknown) =>
  new EngineError('system', code, message, { cause });
export const forbidden = (code: string, message: string, cause?: unknown) =>
  new EngineError('forbidden', code, message, { cause });
export const unauthorized = (code: string, message: string, cause?: unknown) =>
  new EngineError('unauthorized', code, message, { cause });
export const unavailable = (code: string, message: string, cause?: unknown) =>
  new EngineError('unavailable', code, message, { cause });
export const notImplemented = (code: string, message: string) =>
  new EngineError('not-implemented', code, message);

/** Docker's fixed text for a missing container. */
export const noSuchContainer = (ref: string) =>
  notFound('BERTH_CONTAINER_NOT_FOUND', `No such container: ${ref}`);
/** Docker's fixed text for a missing image. */
export const noSuchImage = (ref: string) =>
  notFound('BERTH_IMAGE_NOT_FOUND', `No such image: ${ref}`);

export function isEngineError(err: unknown, kind?: ErrorKind): err is EngineError {
  return err instanceof EngineError && (kind === undefined || err.kind === kind);
}
