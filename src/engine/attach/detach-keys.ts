/**
 * Docker's detach keys: the syntax ("ctrl-p,ctrl-q", "a,ctrl-@") and the
 * matcher that watches an attach's stdin for the sequence.
 *
 * Syntax (as the Docker CLI and dockerd accept it): comma-separated keys;
 * a key of one character is that byte; otherwise it must be `ctrl-<c>`
 * (case-insensitive) with <c> one of a-z (1…26), `@` (0), `[` (27),
 * `\` (28), `]` (29), `^` (30), `_` (31). An empty string is the default,
 * ctrl-p,ctrl-q.
 */
import { invalid } from '../errors.js';

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

const CTRL_SPECIALS: Readonly<Record<string, number>> = { '@': 0, '[': 27, '\\': 28, ']': 29, '^': 30, _: 31 };

/** One key → its byte, or undefined when it is not Docker syntax. */
function keyByte(key: string): number | undefined {
  // Docker counts bytes: a non-ASCII character is more than one and is rejected.
  if (key.length === 1) return key.charCodeAt(0) < 128 ? key.charCodeAt(0) : undefined;
  const m = /^ctrl-(.)$/i.exec(key);
  if (!m) return undefined;
  const c = m[1].toLowerCase();
  if (c >= 'a' && c <= 'z') return c.charCodeAt(0) - 96;
  return CTRL_SPECIALS[c];
}

/**
 * The byte sequence for `keys` ('' = the default). Throws invalid-parameter
 * (400) with Docker's message for anything else, so callers can reject a
 * bad value before the connection is hijacked.
 */
export function parseDetachKeys(keys: string): Buffer {
  const text = keys === '' ? DEFAULT_DETACH_KEYS : keys;
  const bytes: number[] = [];
  for (const key of text.split(',')) {
    const b = keyByte(key);
    if (b === undefined) throw invalid('BERTH_BAD_DETACH_KEYS', `Invalid detach keys (${keys}) provided`);
    bytes.push(b);
  }
  return Buffer.from(bytes);
}

export interface DetachScan {
  /** Bytes to pass on to the container. */
  pass: Buffer;
  /** True when the sequence was completed; bytes after it are dropped. */
  detached: boolean;
}

/**
 * Watches a byte stream for the detach sequence. Bytes that could begin the
 * sequence are held back; when the next byte does not continue it they are
 * released together with it (Docker's escape proxy does the same), so a
 * lone ctrl-p still reaches the container, one keystroke late.
 */
export class DetachKeyMatcher {
  #matched = 0;

  constructor(private readonly keys: Buffer) {}

  push(chunk: Buffer): DetachScan {
    if (this.keys.length === 0) return { pass: chunk, detached: false };
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === this.keys[this.#matched]) {
        this.#matched += 1;
        if (this.#matched === this.keys.length) return { pass: Buffer.from(out), detached: true };
        continue;
      }
      // Release the held prefix, then look at this byte afresh (it may start a new match).
      for (let i = 0; i < this.#matched; i++) out.push(this.keys[i]);
      this.#matched = 0;
      if (byte === this.keys[0]) this.#matched = 1;
      else out.push(byte);
      if (this.#matched === this.keys.length) return { pass: Buffer.from(out), detached: true };
    }
    return { pass: Buffer.from(out), detached: false };
  }
}
