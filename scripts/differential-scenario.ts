/**
 * The request sequence scripts/differential.ts sends to both daemons, in
 * order: each step may depend on the ones before (a container created,
 * started, renamed…). `{name}` in a path or body is replaced by a value an
 * earlier step captured (its answer's `Id`), `{image}` by the test image.
 */
export interface Step {
  name: string;
  method: 'GET' | 'POST' | 'DELETE' | 'HEAD';
  path: string;
  body?: unknown;
  /** Sent as is instead of JSON (bad JSON, a non-tar upload). */
  rawBody?: string;
  contentType?: string;
  /** Store the answer's `Id` under this variable name. */
  capture?: string;
  /** The answer is a byte stream (logs, export): compare the status only. */
  stream?: boolean;
  /** Wait this long first (lets a short process finish on both daemons alike). */
  delayMs?: number;
  /** JSON paths whose subtrees are not compared (daemon-specific facts, e.g. dockerd's Swarm). */
  ignore?: string[];
}

const P = 'difftool';
const enc = (v: unknown) => encodeURIComponent(JSON.stringify(v));
const run = (name: string) => ({ Image: '{image}', Cmd: ['sleep', '1000'], HostConfig: { NetworkMode: 'none' }, Labels: { difftool: name } });

function system(): Step[] {
  return [
    { name: 'ping', method: 'GET', path: '/_ping', stream: true },
    { name: 'version', method: 'GET', path: '/version' },
    // Runtimes and IndexConfigs are maps keyed by data (runtime names, registries), not schema.
    { name: 'info', method: 'GET', path: '/info', ignore: ['$.Runtimes', '$.RegistryConfig.IndexConfigs'] },
    { name: 'unknown endpoint', method: 'GET', path: '/nosuch' },
  ];
}

function containers(): Step[] {
  return [
    { name: 'create', method: 'POST', path: `/containers/create?name=${P}-a`, body: run('a'), capture: 'a' },
    { name: 'create: bad JSON', method: 'POST', path: '/containers/create', rawBody: '{"Image": ' },
    { name: 'create: missing image', method: 'POST', path: '/containers/create', body: { Image: 'difftool-nosuch:1' } },
    { name: 'create: name in use', method: 'POST', path: `/containers/create?name=${P}-a`, body: run('a') },
    { name: 'create: bad name', method: 'POST', path: '/containers/create?name=a%2Fb', body: run('x') },
    { name: 'create: wrong type', method: 'POST', path: '/containers/create', body: { Image: '{image}', HostConfig: { Memory: 'lots' } } },
    { name: 'create: no image', method: 'POST', path: '/containers/create', body: {} },
    { name: 'inspect created', method: 'GET', path: `/containers/${P}-a/json` },
    { name: 'list all', method: 'GET', path: `/containers/json?all=1&filters=${enc({ label: ['difftool'] })}` },
    { name: 'list: bad filters JSON', method: 'GET', path: '/containers/json?filters=%7Bbad' },
    { name: 'list: unknown filter', method: 'GET', path: `/containers/json?filters=${enc({ nosuch: ['x'] })}` },
    { name: 'start', method: 'POST', path: `/containers/${P}-a/start` },
    { name: 'start again', method: 'POST', path: `/containers/${P}-a/start` },
    { name: 'inspect running', method: 'GET', path: `/containers/${P}-a/json` },
    { name: 'list running', method: 'GET', path: `/containers/json?filters=${enc({ label: ['difftool'] })}` },
    { name: 'top', method: 'GET', path: `/containers/${P}-a/top` },
    { name: 'top: bad ps args', method: 'GET', path: `/containers/${P}-a/top?ps_args=--nosuch` },
    ...observe(),
    { name: 'logs', method: 'GET', path: `/containers/${P}-a/logs?stdout=1&stderr=1`, stream: true },
    { name: 'logs: no stream chosen', method: 'GET', path: `/containers/${P}-a/logs` },
    { name: 'pause', method: 'POST', path: `/containers/${P}-a/pause` },
    { name: 'pause again', method: 'POST', path: `/containers/${P}-a/pause` },
    { name: 'inspect paused', method: 'GET', path: `/containers/${P}-a/json` },
    { name: 'unpause', method: 'POST', path: `/containers/${P}-a/unpause` },
    { name: 'unpause again', method: 'POST', path: `/containers/${P}-a/unpause` },
    { name: 'rename', method: 'POST', path: `/containers/${P}-a/rename?name=${P}-b` },
    { name: 'rename: missing', method: 'POST', path: `/containers/${P}-nosuch/rename?name=${P}-c` },
    { name: 'rename: no name', method: 'POST', path: `/containers/${P}-b/rename` },
    ...execSteps(),
    { name: 'kill: bad signal', method: 'POST', path: `/containers/${P}-b/kill?signal=BOGUS` },
    { name: 'stop', method: 'POST', path: `/containers/${P}-b/stop?t=1` },
    { name: 'stop again', method: 'POST', path: `/containers/${P}-b/stop?t=1` },
    { name: 'wait', method: 'POST', path: `/containers/${P}-b/wait` },
    { name: 'wait: bad condition', method: 'POST', path: `/containers/${P}-b/wait?condition=nosuch` },
    { name: 'kill: not running', method: 'POST', path: `/containers/${P}-b/kill` },
    { name: 'pause: not running', method: 'POST', path: `/containers/${P}-b/pause` },
    { name: 'inspect exited', method: 'GET', path: `/containers/${P}-b/json` },
    { name: 'inspect: missing', method: 'GET', path: `/containers/${P}-nosuch/json` },
    { name: 'start: missing', method: 'POST', path: `/containers/${P}-nosuch/start` },
    { name: 'remove: missing', method: 'DELETE', path: `/containers/${P}-nosuch` },
    { name: 'commit', method: 'POST', path: `/commit?container=${P}-b&repo=${P}-img&tag=c&changes=ENV%20A%3D1&changes=ENV%20B%3D2`, capture: 'img' },
    { name: 'commit: missing container', method: 'POST', path: `/commit?container=${P}-nosuch` },
    { name: 'remove', method: 'DELETE', path: `/containers/${P}-b` },
    { name: 'create c', method: 'POST', path: `/containers/create?name=${P}-c`, body: run('c') },
    { name: 'start c', method: 'POST', path: `/containers/${P}-c/start` },
    { name: 'kill c', method: 'POST', path: `/containers/${P}-c/kill` },
    { name: 'inspect killed', method: 'GET', path: `/containers/${P}-c/json` },
    { name: 'restart c', method: 'POST', path: `/containers/${P}-c/restart?t=1` },
    { name: 'remove running', method: 'DELETE', path: `/containers/${P}-c` },
    { name: 'remove running, force', method: 'DELETE', path: `/containers/${P}-c?force=1` },
    { name: 'prune: bad filter', method: 'POST', path: `/containers/prune?filters=${enc({ nosuch: ['x'] })}` },
    { name: 'prune', method: 'POST', path: `/containers/prune?filters=${enc({ label: ['difftool'] })}` },
  ];
}

function execSteps(): Step[] {
  return [
    { name: 'exec create', method: 'POST', path: `/containers/${P}-b/exec`, body: { Cmd: ['true'] }, capture: 'exec' },
    { name: 'exec create: no Cmd', method: 'POST', path: `/containers/${P}-b/exec`, body: {} },
    { name: 'exec create: missing container', method: 'POST', path: `/containers/${P}-nosuch/exec`, body: { Cmd: ['true'] } },
    { name: 'exec inspect created', method: 'GET', path: '/exec/{exec}/json' },
    { name: 'exec start detached', method: 'POST', path: '/exec/{exec}/start', body: { Detach: true } },
    { name: 'exec start again', method: 'POST', path: '/exec/{exec}/start', body: { Detach: true }, delayMs: 500 },
    { name: 'exec: missing binary', method: 'POST', path: `/containers/${P}-b/exec`, body: { Cmd: ['/nonexist'] }, capture: 'bad' },
    { name: 'exec start: missing binary', method: 'POST', path: '/exec/{bad}/start', body: { Detach: true } },
    { name: 'exec inspect: missing', method: 'GET', path: '/exec/nosuch/json' },
    { name: 'exec resize: missing', method: 'POST', path: '/exec/nosuch/resize?h=10&w=10' },
  ];
}

/** Stats, update, health, system df and the events endpoint's refusals (a live events stream never ends: not compared). */
function observe(): Step[] {
  const healthy = { ...run('h'), Healthcheck: { Test: ['CMD', 'true'], Interval: 200_000_000, Retries: 2 } };
  return [
    { name: 'stats one-shot', method: 'GET', path: `/containers/${P}-a/stats?stream=0&one-shot=1` },
    { name: 'stats stream=0', method: 'GET', path: `/containers/${P}-a/stats?stream=0` },
    { name: 'stats: stream and one-shot', method: 'GET', path: `/containers/${P}-a/stats?stream=1&one-shot=1` },
    { name: 'stats: missing', method: 'GET', path: `/containers/${P}-nosuch/stats?stream=0` },
    {
      name: 'update',
      method: 'POST',
      path: `/containers/${P}-a/update`,
      body: { CpuShares: 512, PidsLimit: 50, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } },
    },
    { name: 'update: bad restart policy', method: 'POST', path: `/containers/${P}-a/update`, body: { RestartPolicy: { Name: 'sometimes' } } },
    { name: 'update: missing', method: 'POST', path: `/containers/${P}-nosuch/update`, body: { CpuShares: 512 } },
    { name: 'inspect updated', method: 'GET', path: `/containers/${P}-a/json` },
    { name: 'create with health check', method: 'POST', path: `/containers/create?name=${P}-h`, body: healthy },
    { name: 'start with health check', method: 'POST', path: `/containers/${P}-h/start` },
    { name: 'inspect healthy', method: 'GET', path: `/containers/${P}-h/json`, delayMs: 1500 },
    { name: 'list: health filter', method: 'GET', path: `/containers/json?filters=${enc({ health: ['healthy'], label: ['difftool'] })}` },
    { name: 'list: bad health filter', method: 'GET', path: `/containers/json?filters=${enc({ health: ['wobbly'] })}` },
    { name: 'remove with health check', method: 'DELETE', path: `/containers/${P}-h?force=1` },
    { name: 'system df', method: 'GET', path: '/system/df' },
    { name: 'events: bad filter', method: 'GET', path: `/events?until=1&filters=${enc({ nosuch: ['x'] })}` },
    { name: 'events: bad since', method: 'GET', path: '/events?since=yesterday&until=1' },
    { name: 'events: finished range', method: 'GET', path: '/events?since=1&until=2', stream: true },
  ];
}

function images(): Step[] {
  return [
    { name: 'images list', method: 'GET', path: '/images/json' },
    { name: 'images list: reference', method: 'GET', path: `/images/json?filters=${enc({ reference: ['{image}'] })}` },
    { name: 'images list: bad filter', method: 'GET', path: `/images/json?filters=${enc({ nosuch: ['x'] })}` },
    { name: 'images list: bad dangling', method: 'GET', path: `/images/json?filters=${enc({ dangling: ['maybe'] })}` },
    { name: 'image inspect', method: 'GET', path: '/images/{image}/json' },
    { name: 'image inspect committed', method: 'GET', path: `/images/${P}-img:c/json` },
    { name: 'image inspect: missing', method: 'GET', path: `/images/${P}-nosuch:1/json` },
    { name: 'image tag', method: 'POST', path: `/images/{image}/tag?repo=${P}-img&tag=t` },
    { name: 'image tag: bad repo', method: 'POST', path: '/images/{image}/tag?repo=Bad%20Name&tag=t' },
    { name: 'image tag: missing', method: 'POST', path: `/images/${P}-nosuch:1/tag?repo=${P}-img&tag=x` },
    { name: 'image history', method: 'GET', path: `/images/${P}-img:c/history` },
    { name: 'image history: missing', method: 'GET', path: `/images/${P}-nosuch:1/history` },
    { name: 'image remove tag', method: 'DELETE', path: `/images/${P}-img:t` },
    { name: 'image remove', method: 'DELETE', path: `/images/${P}-img:c` },
    { name: 'image remove: missing', method: 'DELETE', path: `/images/${P}-nosuch:1` },
    { name: 'image remove: in use', method: 'DELETE', path: '/images/{image}' },
    { name: 'images prune', method: 'POST', path: `/images/prune?filters=${enc({ label: ['difftool'] })}` },
    { name: 'images prune: bad filter', method: 'POST', path: `/images/prune?filters=${enc({ nosuch: ['x'] })}` },
    { name: 'images load: not a tar', method: 'POST', path: '/images/load?quiet=1', rawBody: 'not a tar at all', contentType: 'application/x-tar' },
  ];
}

/** The whole sequence; the last steps remove what the earlier ones left. */
export function scenario(): Step[] {
  const keepAlive = { name: 'create in-use holder', method: 'POST' as const, path: `/containers/create?name=${P}-holder`, body: run('holder') };
  return [...system(), ...containers(), keepAlive, ...images(), { name: 'remove holder', method: 'DELETE', path: `/containers/${P}-holder?force=1` }];
}
