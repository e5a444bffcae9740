/**
 * Docker's JSON objects that are Go maps (`map[string]T`: Labels, ExposedPorts,
 * Volumes, PortBindings, NetworkSettings.Ports and .Networks) come out of
 * dockerd with their keys sorted, because Go's encoding/json sorts map keys
 * bytewise. Clients read "the first network" or "the first port" off these
 * objects (Testcontainers' getNetworkNames(), scripts taking `.Networks | keys[0]`),
 * so berth writes them in the same order rather than in the order of the
 * create body or of the network connects. (Integer-like keys are the one
 * exception: a JS object always lists them first, in numeric order.)
 */

/** Bytewise (UTF-8) order, as Go's sort of map keys. */
const byUtf8 = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** `entries` as a new object whose keys are in Go's map order. */
export function goMap<T>(entries: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(entries).sort(([a], [b]) => byUtf8(a, b)));
}

/** A set of ports or paths as Docker writes it (`{"80/tcp": {}}`), in Go's map order; null when empty. */
export function goSet(keys: readonly string[]): Record<string, object> | null {
  return keys.length ? goMap(Object.fromEntries(keys.map((k) => [k, {}]))) : null;
}
