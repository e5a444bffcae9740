/**
 * Crash-point fault injection for the crash tests (test/integration/
 * crash-points.test.ts). Inert unless BERTH_FAULT_POINT names a point: then
 * berthd SIGKILLs itself the moment it reaches that point, as a power cut
 * or an OOM kill would. The variable is read once, so an unarmed daemon
 * pays one string comparison per point. Point names are `<operation>.<step>`;
 * the test lists every one.
 */
const armed = process.env.BERTH_FAULT_POINT;

export function faultPoint(name: string): void {
  if (armed === name) process.kill(process.pid, 'SIGKILL');
}
