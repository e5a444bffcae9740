/**
 * The teardown conmon runs when a container's process has ended (its
 * `--exit-command`, as podman has conmon run `podman container cleanup`):
 * `runc delete`, the unmount of the root and the removal of the bundle
 * happen in conmon's child, not in berthd, and the exit file reaches the
 * exit watcher only after them.
 *
 * conmon writes the exit file into its own exit directory, then runs this
 * command and waits for it. conmon also runs it when it exits after a failed
 * `runc create`; without an exit file the command does nothing, so it never
 * races berthd's own undoing of that start (which still reads the bundle's
 * runtime log). With an exit file, the command, a POSIX shell script:
 *   1. when the cgroup counted an OOM kill, leaves a marker beside the
 *      watched exit file (oomMarkerPath: the delete removes the cgroup;
 *      the exit watcher reads the marker);
 *   2. runs `runc delete --force` and then, unless the host keeps the root
 *      mounted (its marker file exists), unmounts the root: one after the
 *      other, never as a background job, because conmon hands its exit
 *      command a blocked SIGCHLD, under which the shell's `wait` never
 *      returns (foreground commands are reaped with a blocking waitpid);
 *   3. removes the bundle (config.json, conmon's pid files, sockets, fifo),
 *      never crossing into another filesystem;
 *   4. moves the exit file into the watched directory, one rename that
 *      keeps its mtime (the container's finish time).
 *
 * Each step may fail or be cut short (conmon killed, a busy mount): the
 * exit path's own teardown (containers/launch.ts teardownRuntime) checks
 * what is left and finishes it, and an exit file the command never moved
 * is adopted by the exit watcher (exit-watcher.ts). So the command only
 * saves work; it is never the only way to a clean state. berthd waits for
 * a live conmon (and so for this command) whenever it tears a container
 * down itself, so a command never overlaps the container's next run.
 *
 * It is berth's one shell script (src/engine/README.md: binaries run without
 * a shell otherwise): conmon runs one program, and the script's programs are
 * absolute paths resolved by host/binaries.ts, passed as arguments. No
 * timeout: conmon hands its SIGCHLD blocked, so a timeout program would wait
 * for its alarm; a hung `runc delete` keeps conmon (and the container's
 * running status) until it ends, as with podman's cleanup.
 */

import { hostTool } from '../host/binaries.js';

/** What the command needs to know about one container. */
export interface ExitCommandInput {
  runtimePath: string;
  runtimeRoot: string;
  id: string;
  bundleDir: string;
  /** The container's root mount. */
  mergedDir: string;
  /** While this file exists the root stays mounted (a host user of the mount). */
  keepMountedMarker: string;
  /** The exit file conmon writes, and where the watcher reads it. */
  monitorExitFile: string;
  exitFile: string;
  /** Cgroup files holding `oom_kill N`; the first readable one is read (v2 memory.events, v1 memory.oom_control). */
  oomFiles: string[];
  /** Absolute paths of the programs the script runs besides the runtime. */
  tools: ExitCommandTools;
}

export interface ExitCommandTools {
  sh: string;
  umount: string;
  rm: string;
  mv: string;
}

/** The tools from the system's directories (host/binaries.ts). */
export function exitCommandTools(): ExitCommandTools {
  return { sh: hostTool('sh'), umount: hostTool('umount'), rm: hostTool('rm'), mv: hostTool('mv') };
}

/** The marker of an OOM kill the command leaves beside an exit file. */
export function oomMarkerPath(exitFile: string): string {
  return `${exitFile}.oom`;
}

// Shell builtins only up to the delete: no process is started to read the cgroup.
const SCRIPT = [
  'runtime=$1 root=$2 id=$3 bundle=$4 merged=$5 keep=$6 written=$7 watched=$8 umount=$9',
  'shift 9',
  'rm=$1 mv=$2',
  'shift 2',
  '[ -e "$written" ] || exit 0',
  'for f do',
  '  [ -r "$f" ] || continue',
  '  while read -r k v; do [ "$k" = oom_kill ] && [ "$v" != 0 ] && : > "$watched.oom"; done < "$f"',
  '  break',
  'done',
  '"$runtime" --root "$root" delete --force "$id" >/dev/null 2>&1',
  '[ -e "$keep" ] || "$umount" "$merged" >/dev/null 2>&1',
  '"$rm" -rf --one-file-system "$bundle"',
  '"$mv" -f "$written" "$watched"',
].join('\n');

/** conmon's --exit-command and its --exit-command-arg values, in order. Pure. */
export function exitCommand(input: ExitCommandInput): string[] {
  return [
    input.tools.sh,
    '-c',
    SCRIPT,
    'berth-exit',
    input.runtimePath,
    input.runtimeRoot,
    input.id,
    input.bundleDir,
    input.mergedDir,
    input.keepMountedMarker,
    input.monitorExitFile,
    input.exitFile,
    input.tools.umount,
    input.tools.rm,
    input.tools.mv,
    ...input.oomFiles,
  ];
}

/** The command as conmon's flags. Pure. */
export function exitCommandArgs(argv: string[]): string[] {
  const [command, ...rest] = argv;
  if (!command) return [];
  // The `=` form: some values start with a dash or hold newlines.
  return [`--exit-command=${command}`, ...rest.map((arg) => `--exit-command-arg=${arg}`)];
}
