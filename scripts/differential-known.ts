/**
 * Differences between berthd and dockerd that scripts/differential.ts finds
 * and that are deliberate. Each entry names the step (or '*' for any), the
 * JSON path (or 'status' / 'message') and the reason; TESTING.md lists them.
 */
/** One difference found between the two daemons' answers to a step. */
export interface Difference {
  step: string;
  path: string;
  dockerd: string;
  berthd: string;
  /** Set when the difference is listed here as deliberate. */
  reason?: string;
}

interface Known {
  /** A step's name, '*' for any, or a pattern of names. */
  step: string | RegExp;
  path: string | RegExp;
  reason: string;
}

const HOSTCONFIG_ECHO =
  'dockerd echoes null for a list the API client did not send and [] for one sent empty; berth stores lists, not "absent". The CLI always sends them, so `docker run` containers look alike. Exact echo is issue 13 item 6 (the field table).';

const KNOWN: Known[] = [
  {
    step: 'create: bad JSON',
    path: 'status',
    reason: 'dockerd 20.10 answers a malformed body with 500 (an unclassified Go decode error); berth says 400, as later dockerd (23+) does.',
  },
  { step: 'create: bad JSON', path: 'message', reason: "Go's and Node's JSON parsers word their errors differently; both say where the JSON broke." },
  { step: 'create: wrong type', path: 'status', reason: 'As "create: bad JSON": a 400 (dockerd 20.10: 500) for a body of the wrong JSON type.' },
  { step: 'create: wrong type', path: 'message', reason: "berth names the field by its JSON path (HostConfig/Memory) instead of Go's struct path." },
  { step: 'create: no image', path: 'message', reason: "berth says which field is missing (Image); dockerd's text is about an empty Config." },
  { step: 'list: bad filters JSON', path: 'status', reason: 'As "create: bad JSON": malformed filters JSON is a 400 (dockerd 20.10: 500).' },
  { step: 'list: bad filters JSON', path: 'message', reason: "Go's and Node's JSON parsers word their errors differently." },
  {
    step: 'top: bad ps args',
    path: 'status',
    reason:
      "ps refusing the client's ps_args is the client's error: 400 with dockerd's text (dockerd 20.10: 500). The API fuzz test holds berth to no 5xx on bad input.",
  },
  { step: 'image tag: bad repo', path: 'status', reason: "An invalid reference is the client's error: 400 (dockerd 20.10: 500, fixed in later dockerd)." },
  {
    step: 'image tag: bad repo',
    path: 'message',
    reason:
      'dockerd says "must be lowercase" for a name with a space (its upper-case check runs first); berth says "must be lowercase" only when lower-casing makes the name valid.',
  },
  {
    step: 'unpause again',
    path: 'status',
    reason: 'Unpausing a container that is not paused is a conflict: 409 (documented in the API spec); dockerd 20.10 answers 500.',
  },
  {
    step: 'wait: bad condition',
    path: /^(status|\$\.(Error|StatusCode|message))$/,
    reason:
      'dockerd 20.10 treats an unknown condition as "not-running" and waits; berth refuses it with 400 (as dockerd 23+ does), so a typo cannot wait on the wrong event.',
  },
  {
    step: 'image inspect: missing',
    path: 'message',
    reason: 'dockerd 20.10 repeats the reference ("no such image: X: No such image: X"); berth gives the second half, the text later dockerd gives.',
  },
  {
    step: '*',
    path: '$.GraphDriver.Data',
    reason: "berth's layer store is its own (not overlay2's directory layout); it does not expose host paths of layers.",
  },
  {
    step: 'image inspect committed',
    path: /^\$\.ContainerConfig\./,
    reason: 'ContainerConfig (deprecated) is left empty for commits: the committed configuration is in Config.',
  },
  {
    step: '*',
    path: /NetworkSettings\.Networks\.none$/,
    reason: 'The networks branch gives containers network entries; until then NetworkMode none has no Networks entry.',
  },
  { step: '*', path: /^\$\.HostConfig\.(PortBindings|Dns|DnsOptions|DnsSearch|BlkioWeightDevice|Devices|Ulimits)$/, reason: HOSTCONFIG_ECHO },
  {
    step: '*',
    path: '$.Config.StopSignal',
    reason: 'berth records the effective stop signal (SIGTERM when none was given); dockerd omits it. Echoing it as the user wrote it is issue 13 item 6.',
  },
  {
    step: /^stats (one-shot|stream=0)$/,
    path: '$.pids_stats.limit',
    reason:
      "Follows from berth's default pids limit (4096, --default-pids-limit): the container has a limit, so it is reported; dockerd's container has none and omits the field (omitempty). With --default-pids-limit 0 both omit it.",
  },
  {
    step: /^stats (one-shot|stream=0)$/,
    path: /^\$\.memory_stats\.stats\.(total_)?(shmem|swap|swapcached|workingset_refault_anon|workingset_refault_file)$/,
    reason:
      "berth passes every key of the cgroup's memory.stat; dockerd 20.10's cgroup v1 collector copies a fixed list. Extra keys only: every key dockerd sends is there.",
  },
  {
    step: 'inspect healthy',
    path: '$.ExecIDs',
    reason:
      "Not fixed yet, and timing-dependent: dockerd lists a health probe's exec in ExecIDs while the probe runs (an inspect that lands between probes shows null on both); berth's probes do not appear there.",
  },
  {
    step: 'events: bad filter',
    path: /^(status|\$)$/,
    reason:
      'berth refuses an unknown events filter key with 400, as it does for every other list endpoint; dockerd 20.10 ignores unknown keys in events filters only and streams. Kept: a typo would otherwise match every event.',
  },
  {
    step: 'events: bad since',
    path: /^(status|message)$/,
    reason: "An unparsable since/until is the client's error: 400 with berth's time-parse message (dockerd 20.10: 500 with Go's strconv error).",
  },
];

/** The reason a difference is deliberate, or undefined. Pure. */
export function deliberateReason(d: Difference): string | undefined {
  const stepMatches = (k: Known) => (typeof k.step === 'string' ? k.step === '*' || k.step === d.step : k.step.test(d.step));
  const hit = KNOWN.find((k) => stepMatches(k) && (typeof k.path === 'string' ? k.path === d.path : k.path.test(d.path)));
  return hit?.reason;
}
