/** Facade area `engine.exec`: exec sessions inside a running container. */
import type { AttachSession } from './containers.js';

/** What `POST /containers/{id}/exec` asks for. */
export interface ExecCreateOptions {
  /** Non-empty. */
  cmd: string[];
  /** NAME=value entries that override the container's environment. */
  env: string[];
  /** '' = the container's working directory. */
  workingDir: string;
  /** '' = the container's user. */
  user: string;
  tty: boolean;
  attachStdin: boolean;
  attachStdout: boolean;
  attachStderr: boolean;
  privileged: boolean;
  /** Docker detach-key syntax; '' = default. */
  detachKeys: string;
}

export interface ExecStartOptions {
  /** Run in the background; start() then resolves null once the process runs. */
  detach: boolean;
  /** Initial terminal size [height, width] (tty sessions), or null. */
  consoleSize: [number, number] | null;
  /**
   * Attached starts: called once the start was accepted (id known, not yet
   * run, container running), before the process is started. A hijacking
   * caller sends its response headers here, as Docker does: docker-py reads
   * the headers through a buffered reader and loses output bytes that
   * arrive together with them. Errors after this point go into the stream.
   */
  onAccepted?: (info: { tty: boolean }) => void;
}

/** An exec session as inspect shows it. */
export interface ExecView {
  id: string;
  containerId: string;
  running: boolean;
  /** null until the process has ended. */
  exitCode: number | null;
  /** Host pid while running, else 0. */
  pid: number;
  openStdin: boolean;
  openStdout: boolean;
  openStderr: boolean;
  detachKeys: string;
  tty: boolean;
  privileged: boolean;
  user: string;
  cmd: string[];
}

export interface ExecApi {
  /** Conflict when the container is not running or is paused. */
  create(ref: string, opts: ExecCreateOptions): Promise<{ id: string }>;
  /**
   * Not-found for an unknown id, conflict when already started or the
   * container is not running. Attached: the session's output ends after
   * the exit code is recorded (inspect right after sees it).
   */
  start(id: string, opts: ExecStartOptions): Promise<AttachSession | null>;
  inspect(id: string): Promise<ExecView>;
  resize(id: string, height: number, width: number): Promise<void>;
}
