/** The containers part of the engine facade, one verb per module. */
import type { ContainersApi } from '../api/containers.js';
import type { ContainerContext } from './context.js';
import { attachContainer } from './attach.js';
import { createContainer } from './create.js';
import { killContainer } from './kill.js';
import { containerLogs } from './logs.js';
import { pauseContainer, unpauseContainer } from './pause.js';
import { pruneContainers } from './prune.js';
import { removeContainer } from './remove.js';
import { renameContainer } from './rename.js';
import { resizeContainer } from './resize.js';
import { restartContainer } from './restart.js';
import { startContainer } from './start.js';
import { stopContainer } from './stop.js';
import { topContainer } from './top.js';
import { inspectContainer, listContainers } from './view.js';
import { waitContainer } from './wait.js';

export function createContainersApi(ctx: ContainerContext): ContainersApi {
  return {
    create: (opts) => createContainer(ctx, opts),
    inspect: (ref, opts) => inspectContainer(ctx, ref, opts),
    list: (opts) => listContainers(ctx, opts),
    start: (ref) => startContainer(ctx, ref),
    stop: (ref, opts) => stopContainer(ctx, ref, opts),
    kill: (ref, signal) => killContainer(ctx, ref, signal),
    restart: (ref, opts) => restartContainer(ctx, ref, opts),
    pause: (ref) => pauseContainer(ctx, ref),
    unpause: (ref) => unpauseContainer(ctx, ref),
    wait: (ref, condition, signal) => waitContainer(ctx, ref, condition, signal),
    remove: (ref, opts) => removeContainer(ctx, ref, opts),
    rename: (ref, name) => renameContainer(ctx, ref, name),
    top: (ref, psArgs) => topContainer(ctx, ref, psArgs),
    logs: (ref, opts, signal) => containerLogs(ctx, ref, opts, signal),
    attach: (ref, opts) => attachContainer(ctx, ref, opts),
    resize: (ref, h, w) => resizeContainer(ctx, ref, h, w),
    prune: (filters) => pruneContainers(ctx, filters),
  };
}
