/** Signal names and numbers on Linux (x86_64 and arm64 agree on these). */
import { invalid } from '../errors.js';

const SIGNALS: Record<string, number> = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  ILL: 4,
  TRAP: 5,
  ABRT: 6,
  IOT: 6,
  BUS: 7,
  FPE: 8,
  KILL: 9,
  USR1: 10,
  SEGV: 11,
  USR2: 12,
  PIPE: 13,
  ALRM: 14,
  TERM: 15,
  STKFLT: 16,
  CHLD: 17,
  CLD: 17,
  CONT: 18,
  STOP: 19,
  TSTP: 20,
  TTIN: 21,
  TTOU: 22,
  URG: 23,
  XCPU: 24,
  XFSZ: 25,
  VTALRM: 26,
  PROF: 27,
  WINCH: 28,
  IO: 29,
  POLL: 29,
  PWR: 30,
  SYS: 31,
};
const SIGRTMIN = 34;
const SIGRTMAX = 64;

/**
 * Parses "KILL", "SIGKILL", "kill", "9", "RTMIN+3" into a signal number.
 * Throws invalid-parameter (Docker: "Invalid signal: X") for anything else.
 */
export function parseSignal(input: string): number {
  const raw = input.trim();
  if (/^\d+$/.test(raw)) {
    const n = Number(raw);
    if (n >= 1 && n <= SIGRTMAX) return n;
    throw badSignal(input);
  }
  const name = raw.toUpperCase().replace(/^SIG/, '');
  if (name in SIGNALS) return SIGNALS[name];
  const rt = /^RTM(IN|AX)([+-]\d+)?$/.exec(name);
  if (rt) {
    const n = (rt[1] === 'IN' ? SIGRTMIN : SIGRTMAX) + Number(rt[2] ?? 0);
    if (n >= SIGRTMIN && n <= SIGRTMAX) return n;
  }
  throw badSignal(input);
}

function badSignal(input: string) {
  return invalid('BERTH_SIGNAL_INVALID', `Invalid signal: ${input}`);
}
