/**
 * Differences between berthd and dockerd that scripts/differential.ts finds
 * and that are deliberate. Each entry names the step (or '*' for any), the
 * JSON path (or 'status' / 'message') and the reason; TESTING.md lists them.
 */
import type { Difference } from './differential.js';

interface Known {
  step: string;
  path: string | RegExp;
  reason: string;
}

const KNOWN: Known[] = [];

/** The reason a difference is deliberate, or undefined. Pure. */
export function deliberateReason(d: Difference): string | undefined {
  const hit = KNOWN.find((k) => (k.step === '*' || k.step === d.step) && (typeof k.path === 'string' ? k.path === d.path : k.path.test(d.path)));
  return hit?.reason;
}
