/**
 * The one error type the engine throws. The server maps `kind` to an HTTP
 * status in exactly one place (src/server/errors.ts); nothing else in the
 * engine knows about status codes. Codes and their kinds are catalogued in
 * error-codes.ts: a code must be there, and is accepted only with its kind.
 */
import type { CodeOfKind, ErrorCode, ErrorKind } from './error-codes.js';

export type { ErrorCode, ErrorKind };

class EngineErrorClass extends Error {
  override readonly name = 'EngineError';
  /** A closed set: the server's status mapping depends on it. */
  readonly kind: ErrorKind;
  /** Stable `BERTH_<AREA>_<CONDITION>` code for logs and tests (error-codes.ts). */
  readonly code: ErrorCode;

  constructor(kind: ErrorKind, code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.code = code;
  }
}

export type EngineError = EngineErrorClass;
/**
 * `new EngineError(kind, code, message)` accepts only a code catalogued with
 * that kind. The check lives on the constructor's type, not on the class:
 * a generic class would carry the kind as a type argument into every
 * `instanceof EngineError`, which TypeScript then types as EngineError<any>.
 */
export const EngineError = EngineErrorClass as {
  new <K extends ErrorKind = ErrorKind>(kind: K, code: CodeOfKind<K>, message: string, options?: { cause?: unknown }): EngineError;
  readonly prototype: EngineError;
};

export const notFound = (code: CodeOfKind<'not-found'>, message: string, cause?: unknown) => new EngineError('not-found', code, message, { cause });
export const invalid = (code: CodeOfKind<'invalid-parameter'>, message: string, cause?: unknown) =>
  new EngineError('invalid-parameter', code, message, { cause });
export const conflict = (code: CodeOfKind<'conflict'>, message: string, cause?: unknown) => new EngineError('conflict', code, message, { cause });
export const notModified = (code: CodeOfKind<'not-modified'>, message: string) => new EngineError('not-modified', code, message);
export const systemError = (code: CodeOfKind<'system'>, message: string, cause?: unknown) => new EngineError('system', code, message, { cause });
export const forbidden = (code: CodeOfKind<'forbidden'>, message: string, cause?: unknown) => new EngineError('forbidden', code, message, { cause });
export const notImplemented = (code: CodeOfKind<'not-implemented'>, message: string) => new EngineError('not-implemented', code, message);

/** Docker's fixed text for a missing container. */
export const noSuchContainer = (ref: string) => notFound('BERTH_CONTAINER_NOT_FOUND', `No such container: ${ref}`);
/** Docker's fixed text for a missing image. */
export const noSuchImage = (ref: string) => notFound('BERTH_IMAGE_NOT_FOUND', `No such image: ${ref}`);

export function isEngineError(err: unknown, kind?: ErrorKind): err is EngineError {
  return err instanceof EngineError && (kind === undefined || err.kind === kind);
}
