/**
 * The catalogue of berth's error codes: every `code` an EngineError can
 * carry, with the kind it is always thrown with (which fixes its HTTP status,
 * src/server/errors.ts) and one line on when it is thrown.
 *
 * One block per area of the engine. A new code goes into its area's block (a
 * new area gets its own block, added to ERROR_CODE_AREAS at the end); then
 * `EngineError` and the helpers in errors.ts accept it, and only with its
 * kind: `conflict('BERTH_IMAGE_NOT_FOUND', …)` or a misspelt code fails the
 * typecheck. test/unit/error-codes.test.ts checks that every code written in
 * src/ is catalogued, is thrown with its catalogued kind, and that no entry is
 * left unused.
 *
 * Codes are `BERTH_<AREA>_<CONDITION>`. Some older codes name a narrower
 * area than their block (`BERTH_ARCHIVE_*` are containers'); they keep their
 * names, since logs and tests know them.
 */

/** A closed set: the server's status mapping depends on it. */
export type ErrorKind =
  'not-found' | 'invalid-parameter' | 'conflict' | 'not-modified' | 'unavailable' | 'forbidden' | 'unauthorized' | 'not-implemented' | 'system';

interface CodeInfo {
  readonly kind: ErrorKind;
  readonly description: string;
}

type Block = Readonly<Record<`BERTH_${string}`, CodeInfo>>;

/** Request checks made by the server before the engine is called. */
export const API = {
  BERTH_API_BAD_PARAMETER: { kind: 'invalid-parameter', description: 'A query or body field failed the OpenAPI schema or a route check.' },
  BERTH_API_NOT_IMPLEMENTED: { kind: 'not-implemented', description: 'An endpoint or option berth does not serve.' },
} as const satisfies Block;

/** Container records, names and lifecycle verbs. */
export const CONTAINER = {
  BERTH_CONTAINER_NOT_FOUND: { kind: 'not-found', description: 'No container has that name, ID or ID prefix ("No such container").' },
  BERTH_CONTAINER_AMBIGUOUS: { kind: 'invalid-parameter', description: 'An ID prefix matches more than one container.' },
  BERTH_CONTAINER_BAD_NAME: { kind: 'invalid-parameter', description: 'A container name outside [a-zA-Z0-9][a-zA-Z0-9_.-].' },
  BERTH_CONTAINER_NAME_IN_USE: { kind: 'conflict', description: 'Create or rename to a name another container has.' },
  BERTH_CONTAINER_RENAME_SAME: { kind: 'conflict', description: 'Rename to the name the container already has.' },
  BERTH_CONTAINER_RUNTIME_UNKNOWN: { kind: 'invalid-parameter', description: 'HostConfig.Runtime names a runtime the daemon does not run.' },
  BERTH_LINK_HOST_NETWORK: { kind: 'invalid-parameter', description: 'HostConfig.Links together with host networking.' },
  BERTH_LINK_TARGET_MISSING: { kind: 'invalid-parameter', description: 'A link names a container that does not exist.' },
  BERTH_LINK_TARGET_STOPPED: { kind: 'system', description: 'At start, a linked container is not running (or has no address).' },
  BERTH_CONTAINER_NO_COMMAND: { kind: 'invalid-parameter', description: 'Neither the request nor the image gives a command or entrypoint.' },
  BERTH_MOUNT_DAEMON_ROOT: {
    kind: 'invalid-parameter',
    description: "A bind whose source is in (or contains) the data root, with a propagation other than rslave or rshared (dockerd's rule).",
  },
  BERTH_MOUNT_SOURCE_MISSING: { kind: 'invalid-parameter', description: 'A bind mount whose host source path does not exist.' },
  BERTH_MOUNT_SOURCE_CREATE: { kind: 'system', description: 'At start, the missing host directory of a HostConfig.Binds bind could not be created.' },
  BERTH_SIGNAL_INVALID: { kind: 'invalid-parameter', description: 'A signal name or number that Linux does not have.' },
  BERTH_RESIZE_BAD_SIZE: { kind: 'invalid-parameter', description: 'A terminal resize (container or exec) with a height or width out of range.' },
  BERTH_CONTAINER_ALREADY_RUNNING: { kind: 'not-modified', description: 'Start of a running container (304).' },
  BERTH_CONTAINER_NOT_RUNNING: { kind: 'not-modified', description: 'Stop of a container that is not running (304).' },
  BERTH_CONTAINER_RUNNING: { kind: 'conflict', description: 'Remove of a running or paused container without force.' },
  BERTH_CONTAINER_START_EXEC: {
    kind: 'invalid-parameter',
    description: 'The runtime could not start the process: not found (127), not executable (126), a file mounted onto a directory or the reverse (127).',
  },
  BERTH_CONTAINER_RESOURCES: {
    kind: 'invalid-parameter',
    description: 'A resource limit dockerd refuses at create (memory below 6 MB, CFS period/quota out of range…).',
  },
  BERTH_CONTAINER_CPUS_RANGE: { kind: 'invalid-parameter', description: 'NanoCpus beyond the host CPU count.' },
  BERTH_CONTAINER_CPUSET: { kind: 'invalid-parameter', description: 'CpusetCpus malformed or naming CPUs the host lacks.' },
  BERTH_CONTAINER_SPEC_FAILED: { kind: 'system', description: "The runtime spec could not be built at start (an unknown user, say): dockerd's 500." },
  BERTH_CONTAINER_STOP_TIMEOUT: { kind: 'system', description: 'The container did not exit even after SIGKILL.' },
  // ensureTransition (model/lifecycle.ts): the verb is not allowed in the container's current status.
  BERTH_CONTAINER_START_CONFLICT: { kind: 'conflict', description: 'Start refused in this status (e.g. paused).' },
  BERTH_CONTAINER_STOP_CONFLICT: { kind: 'conflict', description: 'Stop refused in this status.' },
  BERTH_CONTAINER_KILL_CONFLICT: { kind: 'conflict', description: 'Kill of a container that is not running.' },
  BERTH_CONTAINER_PAUSE_CONFLICT: { kind: 'conflict', description: 'Pause of a container that is not running or already paused.' },
  BERTH_CONTAINER_UNPAUSE_CONFLICT: { kind: 'conflict', description: 'Unpause of a container that is not paused.' },
  BERTH_CONTAINER_RESTART_CONFLICT: { kind: 'conflict', description: 'Restart refused in this status.' },
  BERTH_CONTAINER_REMOVE_CONFLICT: { kind: 'conflict', description: 'Remove refused in this status.' },
  BERTH_CONTAINER_EXIT_CONFLICT: { kind: 'conflict', description: 'An exit recorded for a container that has no live process.' },
  BERTH_CONTAINER_RENAME_CONFLICT: { kind: 'conflict', description: 'Rename refused in this status (e.g. removing).' },
  BERTH_CONTAINER_UPDATE_CONFLICT: { kind: 'conflict', description: 'Update of a container that is being removed or is dead.' },
  BERTH_CONTAINER_ATTACH_CONFLICT: { kind: 'conflict', description: 'Attach refused in this status (e.g. paused).' },
  BERTH_CONTAINER_TOP_CONFLICT: { kind: 'conflict', description: 'Top of a container that is not running.' },
  BERTH_CONTAINER_RESIZE_CONFLICT: { kind: 'conflict', description: 'Resize of a container that is not running.' },
  BERTH_CONTAINER_REMOVE_FORCED_CONFLICT: { kind: 'conflict', description: 'Forced remove refused in this status (the table allows every status).' },
  BERTH_CONTAINER_RESIZE_BEFORE_START_CONFLICT: { kind: 'conflict', description: 'A size remembered for start, for a container that is no longer created.' },
  BERTH_CONTAINER_EXEC_CONFLICT: { kind: 'conflict', description: 'Exec refused in this status (paused and not running have codes of their own).' },
  BERTH_CONTAINER_PRUNE_CONFLICT: { kind: 'conflict', description: 'Prune of a container that is not created, exited or dead.' },
  BERTH_CONTAINER_INIT_CONFLICT: { kind: 'conflict', description: 'The runtime create for an attach, refused in this status.' },
  BERTH_CONTAINER_ATTACH_STDIN_CONFLICT: { kind: 'conflict', description: 'Stdin wired to a container that has no process.' },
  BERTH_CONTAINER_UNINIT_CONFLICT: {
    kind: 'conflict',
    description: 'Undoing the runtime create of an abandoned attach, for a container no longer initialized.',
  },
  BERTH_CONTAINER_RESTART_BY_POLICY_CONFLICT: { kind: 'conflict', description: 'A restart timer fired for a container no longer restarting.' },
  BERTH_LOGS_BAD_DRIVER: { kind: 'invalid-parameter', description: 'A LogConfig.Type berth does not have (only json-file, local and none).' },
  BERTH_LOGS_BAD_OPT: {
    kind: 'invalid-parameter',
    description: 'A LogConfig.Config key the driver does not know, or a max-size/max-file that does not parse.',
  },
  BERTH_LOGS_NOT_READABLE: { kind: 'not-implemented', description: "Logs of a container whose log driver is `none` (Docker's 501)." },
} as const satisfies Block;

/** Files inside a container: archive (docker cp), paths, users, export, commit, top. */
export const CONTAINER_FILES = {
  BERTH_ARCHIVE_NO_PATH: { kind: 'invalid-parameter', description: 'An archive request without a path.' },
  BERTH_ARCHIVE_NOT_FOUND: { kind: 'not-found', description: 'The archive path does not exist in the container.' },
  BERTH_ARCHIVE_NOT_DIR: { kind: 'invalid-parameter', description: 'The extraction point of an upload is not a directory.' },
  BERTH_ARCHIVE_READONLY: { kind: 'forbidden', description: 'Upload into a read-only rootfs or read-only mount.' },
  BERTH_ARCHIVE_BAD_TAR: { kind: 'invalid-parameter', description: 'The uploaded tar is malformed or names a path outside the destination.' },
  BERTH_ARCHIVE_RACE: { kind: 'conflict', description: 'The destination changed (e.g. became a symlink) while the upload was extracted.' },
  BERTH_ARCHIVE_TAR: { kind: 'system', description: 'tar failed while archiving a path for download.' },
  BERTH_PATH_NOT_FOUND: { kind: 'not-found', description: 'A path component does not exist, or is not a directory, in the container root.' },
  BERTH_PATH_LOOP: { kind: 'invalid-parameter', description: 'Too many levels of symbolic links while resolving a path in the container.' },
  BERTH_PATH_UNSTABLE: { kind: 'invalid-parameter', description: 'A path kept changing while it was resolved in the container.' },
  BERTH_USER_INVALID: { kind: 'invalid-parameter', description: 'A numeric uid or gid out of range.' },
  BERTH_USER_UNKNOWN: { kind: 'invalid-parameter', description: "A user name not in the container's /etc/passwd." },
  BERTH_GROUP_UNKNOWN: { kind: 'invalid-parameter', description: "A group name not in the container's /etc/group." },
  BERTH_USER_FILE_TOO_LARGE: { kind: 'invalid-parameter', description: "The container's passwd or group file is larger than berth reads." },
  BERTH_EXPORT_MOUNT: { kind: 'system', description: 'Mounting the snapshot of a stopped container for export or archive failed.' },
  BERTH_EXPORT_TAR: { kind: 'system', description: 'tar failed while exporting the container filesystem.' },
  BERTH_COMMIT_TAR: { kind: 'system', description: "tar failed while reading the container's changes for commit." },
  BERTH_TOP_BAD_ARGS: { kind: 'invalid-parameter', description: 'ps arguments with characters berth does not pass to ps.' },
  BERTH_TOP_PS_FAILED: { kind: 'system', description: 'ps could not be run, or did not finish in time.' },
  BERTH_TOP_PS_REFUSED: { kind: 'invalid-parameter', description: "ps refused the client's ps_args (dockerd answers 500; it is the client's error)." },
  BERTH_TOP_NO_PID: { kind: 'invalid-parameter', description: "ps output has no PID column for the client's ps_args (dockerd answers 500)." },
} as const satisfies Block;

/** The filters parameter of list, prune and events endpoints (engine/filters/). */
export const FILTER = {
  BERTH_FILTER_BAD_JSON: { kind: 'invalid-parameter', description: 'The filters parameter is not JSON of either encoding Docker accepts.' },
  BERTH_FILTER_INVALID: { kind: 'invalid-parameter', description: 'A filter key the endpoint does not accept, or a bad value for a key it does.' },
  BERTH_FILTER_BAD_TIME: { kind: 'invalid-parameter', description: 'A time filter (until, since) that is neither a timestamp nor a duration.' },
} as const satisfies Block;

/** Attach to a container. */
export const ATTACH = {
  BERTH_BAD_DETACH_KEYS: { kind: 'invalid-parameter', description: 'A detach-keys sequence that cannot be parsed.' },
} as const satisfies Block;

/** Exec sessions. */
export const EXEC = {
  BERTH_EXEC_NOT_FOUND: { kind: 'not-found', description: 'No exec session has that ID ("No such exec instance").' },
  BERTH_EXEC_NO_CMD: { kind: 'invalid-parameter', description: 'Exec create without a command.' },
  BERTH_EXEC_PAUSED: { kind: 'conflict', description: 'Exec in a paused container.' },
  BERTH_EXEC_NOT_RUNNING: { kind: 'conflict', description: 'Exec in a container that is not running.' },
  BERTH_EXEC_RUNNING: { kind: 'conflict', description: 'Start of an exec session that is already running.' },
  BERTH_EXEC_DONE: { kind: 'conflict', description: 'Start of an exec session that has already run.' },
  BERTH_EXEC_ATTACH: { kind: 'system', description: "conmon could not set up the exec session's attach socket." },
  BERTH_EXEC_START: { kind: 'system', description: 'Starting an exec session failed before the runtime ran (spec, conmon handshake).' },
  BERTH_EXEC_START_FAILED: { kind: 'system', description: 'The runtime could not start the exec process ("OCI runtime exec failed").' },
  BERTH_EXEC_START_INVALID: {
    kind: 'invalid-parameter',
    description: 'The exec command is missing or not executable ("OCI runtime exec failed"; 400 as in dockerd).',
  },
} as const satisfies Block;

/** Images: references, archives, the layer store, the root filesystem mount. */
export const IMAGE = {
  BERTH_IMAGE_NOT_FOUND: { kind: 'not-found', description: 'No image has that reference or ID ("No such image").' },
  BERTH_IMAGE_BAD_REFERENCE: { kind: 'invalid-parameter', description: 'An image reference that does not parse ("invalid reference format").' },
  BERTH_IMAGE_BAD_TAG: { kind: 'invalid-parameter', description: 'A tag that does not match the tag grammar.' },
  BERTH_IMAGE_BAD_FILTER: { kind: 'invalid-parameter', description: 'An image list or prune filter that is unknown or malformed.' },
  BERTH_IMAGE_IN_USE: { kind: 'conflict', description: 'Remove of an image that a container uses, or that several references name, without force.' },
  BERTH_IMAGE_BAD_ARCHIVE: { kind: 'invalid-parameter', description: 'An image or layer tar (import, load) that is malformed or unsafe.' },
  BERTH_IMAGE_BAD_CONFIG: { kind: 'invalid-parameter', description: 'An image config JSON that is malformed.' },
  BERTH_IMAGE_BAD_CHANGE: { kind: 'invalid-parameter', description: 'A --change instruction (import, commit) that is unknown or malformed.' },
  BERTH_IMAGE_NO_LAYER_TAR: { kind: 'system', description: 'Save of an image whose layer has no stored tar (stored by an older berth).' },
  BERTH_LAYER_BAD_ID: { kind: 'system', description: 'A layer ID that is not a hex digest (refused before any path is built from it).' },
  BERTH_LAYER_BAD_LINK: { kind: 'system', description: "A layer's short-link file is malformed." },
  BERTH_LAYER_RENAME: { kind: 'system', description: 'Moving an extracted layer into the store failed.' },
  BERTH_LAYER_WHITEOUTS: { kind: 'system', description: 'Making the overlay whiteouts of a layer failed.' },
  BERTH_ROOTFS_MOUNT_FAILED: { kind: 'system', description: 'Mounting a container root (overlay) failed.' },
  BERTH_ROOTFS_UMOUNT_FAILED: { kind: 'system', description: 'Unmounting a container root failed.' },
} as const satisfies Block;

/** The OCI runtime, conmon, and the OCI spec berth writes for them. */
export const RUNTIME = {
  BERTH_RUNTIME_NOT_FOUND: { kind: 'not-found', description: 'The runtime does not know the container.' },
  BERTH_RUNTIME_NOT_RUNNING: { kind: 'conflict', description: 'The runtime says the container is not running (or not paused).' },
  BERTH_RUNTIME_EXEC_FAILED: { kind: 'invalid-parameter', description: 'The runtime could not execute the process (not found, not executable).' },
  BERTH_RUNTIME_FAILED: { kind: 'system', description: "Any other runtime failure; the message is the runtime's." },
  BERTH_RUNTIME_CREATE_FAILED: { kind: 'system', description: 'conmon reported that the runtime could not create the container.' },
  BERTH_CONMON_FAILED: { kind: 'system', description: 'conmon exited or closed its pipe before reporting.' },
  BERTH_CONMON_TIMEOUT: { kind: 'system', description: 'conmon did not report in time.' },
  BERTH_CONMON_PROTOCOL: { kind: 'system', description: 'conmon wrote a message berth cannot read.' },
  BERTH_CAPABILITY_UNKNOWN: { kind: 'invalid-parameter', description: 'CapAdd or CapDrop names a capability Linux does not have.' },
  BERTH_SECCOMP_CUSTOM: { kind: 'not-implemented', description: 'A custom seccomp profile (only the default and unconfined are served).' },
  BERTH_ULIMIT_UNKNOWN: { kind: 'invalid-parameter', description: 'A ulimit name Linux does not have.' },
  BERTH_ULIMIT_INVALID: { kind: 'invalid-parameter', description: 'A ulimit whose soft limit is above its hard limit.' },
  BERTH_DEVICE_RULE_INVALID: { kind: 'invalid-parameter', description: 'A DeviceCgroupRules entry not of the form "c 10:* rwm".' },
  BERTH_DEVICE_NOT_A_DEVICE: { kind: 'invalid-parameter', description: 'A Devices entry whose host path is missing or not a device node.' },
  BERTH_SYSCTL_NOT_ALLOWED: { kind: 'invalid-parameter', description: 'A sysctl outside the namespaces the container owns (runc would refuse it).' },
  BERTH_NAMESPACE_TARGET_MISSING: { kind: 'invalid-parameter', description: 'PidMode/IpcMode/UTSMode container:X with no container X.' },
  BERTH_NAMESPACE_TARGET_STOPPED: { kind: 'conflict', description: 'PidMode/IpcMode/UTSMode container:X with X not running at start.' },
  BERTH_NAMESPACE_SHM_MOUNT: { kind: 'system', description: 'The host-side /dev/shm tmpfs of a shareable container could not be mounted.' },
  BERTH_NAMESPACE_IPC_NOT_SHAREABLE: { kind: 'conflict', description: 'IpcMode container:X with X neither shareable nor host.' },
} as const satisfies Block;

/** Host programs berth runs (engine/host/). */
export const HOST = {
  BERTH_HOST_NO_BINARY: { kind: 'system', description: 'A host program berth needs is not installed, or a configured path is not executable.' },
  BERTH_HOST_SPAWN_HELPER: { kind: 'system', description: "berthd's spawn helper could not be reached or exited while a program it started ran." },
  BERTH_HOST_MODULE_LOAD: {
    kind: 'system',
    description:
      "A part of berthd loaded at its first use (builder, registry client, execa) could not be loaded: e.g. berthd's files were replaced by a build or an upgrade under the running daemon.",
  },
} as const satisfies Block;

/** The daemon itself. */
export const SYSTEM = {
  BERTH_DATA_ROOT_BUSY: { kind: 'unavailable', description: 'Another berthd already serves this data root.' },
  BERTH_STATE_SYNC_FAILED: {
    kind: 'system',
    description:
      'Syncing the state database to disk failed (now or earlier): a change may not survive a power loss, so it is not acknowledged. Restart berthd.',
  },
} as const satisfies Block;

/** Volumes (Docker's local driver) and the volume forms of a container's mounts. */
export const VOLUME = {
  BERTH_VOLUME_NOT_FOUND: { kind: 'not-found', description: 'No volume has that name ("get x: no such volume").' },
  BERTH_VOLUME_BAD_NAME: { kind: 'invalid-parameter', description: 'A volume name shorter than two characters or outside [a-zA-Z0-9][a-zA-Z0-9_.-].' },
  BERTH_VOLUME_NO_DRIVER: { kind: 'not-found', description: 'A volume driver other than local ("error looking up volume plugin").' },
  BERTH_VOLUME_BAD_OPTION: {
    kind: 'invalid-parameter',
    description: 'A local driver option other than type/device/o, or type without device (and the reverse).',
  },
  BERTH_VOLUME_IN_USE: { kind: 'conflict', description: 'Remove of a volume a container mounts ("volume is in use - [ids]").' },
  BERTH_VOLUME_GONE: { kind: 'conflict', description: 'A volume of a container being created was removed meanwhile.' },
  BERTH_VOLUME_MOUNT_FAILED: { kind: 'system', description: "mount(8) of a volume's driver options (type/device/o) failed at a container's start." },
  BERTH_VOLUME_COPY_UP: { kind: 'system', description: "Copying the image's content into an empty volume failed." },
  BERTH_MOUNT_BAD_MODE: {
    kind: 'invalid-parameter',
    description: 'A VolumesFrom entry that is empty or has a mode dockerd refuses (unknown, repeated, propagation, nocopy).',
  },
  BERTH_MOUNT_NO_SOURCE_CONTAINER: { kind: 'invalid-parameter', description: 'A VolumesFrom entry naming no container ("No such container", 400 as dockerd).' },
} as const satisfies Block;

/** The classic builder (POST /build): the context, the Dockerfile and its steps. */
export const BUILD = {
  BERTH_BUILD_DOCKERFILE_PARSE: {
    kind: 'invalid-parameter',
    description: 'A Dockerfile syntax error ("dockerfile parse error line N: …"), a bad stage name or FROM.',
  },
  BERTH_BUILD_DOCKERFILE_EMPTY: { kind: 'invalid-parameter', description: 'The Dockerfile has no instruction.' },
  BERTH_BUILD_DOCKERFILE_OUTSIDE: { kind: 'invalid-parameter', description: 'The dockerfile query names a path outside the context.' },
  BERTH_BUILD_DOCKERFILE_TOO_BIG: { kind: 'invalid-parameter', description: 'The Dockerfile is larger than berth reads.' },
  BERTH_BUILD_NO_DOCKERFILE: { kind: 'invalid-parameter', description: 'The context has no Dockerfile at the given path.' },
  BERTH_BUILD_NO_TARGET: { kind: 'invalid-parameter', description: 'The target names no stage.' },
  BERTH_BUILD_BAD_TAG: { kind: 'invalid-parameter', description: 'A t value that is a digest reference.' },
  BERTH_BUILD_BAD_INSTRUCTION: { kind: 'invalid-parameter', description: 'An instruction with wrong arguments (ENV without value, SHELL not JSON, …).' },
  BERTH_BUILD_BAD_WORD: { kind: 'invalid-parameter', description: 'An unterminated quote in an instruction argument.' },
  BERTH_BUILD_BAD_SUBSTITUTION: { kind: 'invalid-parameter', description: 'A malformed ${…} substitution.' },
  BERTH_BUILD_UNSET_VARIABLE: { kind: 'invalid-parameter', description: '${VAR:?msg} of an unset variable.' },
  BERTH_BUILD_BAD_FROM: { kind: 'invalid-parameter', description: 'COPY --from names a stage that is not built.' },
  BERTH_BUILD_BAD_PATTERN: { kind: 'invalid-parameter', description: 'A COPY/ADD source pattern that is not a valid glob.' },
  BERTH_BUILD_CHMOD: { kind: 'invalid-parameter', description: 'COPY/ADD --chmod, which needs BuildKit.' },
  BERTH_BUILD_COPY_NOT_FOUND: { kind: 'invalid-parameter', description: 'A COPY/ADD source missing from the context or excluded by .dockerignore.' },
  BERTH_BUILD_OUTSIDE_CONTEXT: { kind: 'invalid-parameter', description: 'A COPY/ADD source outside the build context.' },
  BERTH_BUILD_COPY_DEST: { kind: 'invalid-parameter', description: 'Several sources and a destination that is not a directory.' },
  BERTH_BUILD_NOT_A_DIR: { kind: 'invalid-parameter', description: 'A destination parent that is a file in the image.' },
  BERTH_BUILD_URL: { kind: 'invalid-parameter', description: 'ADD of a URL that could not be fetched.' },
  BERTH_BUILD_NO_IMAGE: { kind: 'invalid-parameter', description: 'The build produced no image (only FROM scratch).' },
  BERTH_BUILD_BAD_PLATFORM: { kind: 'invalid-parameter', description: 'A platform query value that is not a valid os[/arch[/variant]] specifier.' },
  BERTH_BUILD_IMAGE_OS: { kind: 'invalid-parameter', description: 'A FROM image built for an operating system other than linux.' },
  BERTH_BUILD_CANCELLED: { kind: 'invalid-parameter', description: 'The client went away; no further step is run.' },
} as const satisfies Block;

/** Registry client: pull, push, login (engine/registry). */
export const REGISTRY = {
  BERTH_REGISTRY_BAD_MANIFEST: { kind: 'invalid-parameter', description: 'A manifest or index that is malformed or disagrees with its image config.' },
  BERTH_REGISTRY_MANIFEST_UNKNOWN: { kind: 'not-found', description: 'The registry has no manifest for that tag or digest.' },
  BERTH_REGISTRY_PULL_DENIED: {
    kind: 'not-found',
    description: 'A pull the registry refuses as DENIED or NAME_UNKNOWN: Docker\'s "pull access denied" (a private or missing repository).',
  },
  BERTH_REGISTRY_MANIFEST_TOO_LARGE: { kind: 'invalid-parameter', description: 'A manifest larger than berth accepts (4 MiB).' },
  BERTH_REGISTRY_DIGEST_MISMATCH: { kind: 'invalid-parameter', description: 'A manifest or blob whose content does not match its digest.' },
  BERTH_REGISTRY_DIFF_ID_MISMATCH: { kind: 'invalid-parameter', description: 'A layer that unpacks to another diff ID than the image config lists.' },
  BERTH_REGISTRY_BLOB_TOO_LARGE: { kind: 'invalid-parameter', description: 'A blob longer than its descriptor says, or a config over the size limit.' },
  BERTH_REGISTRY_SCHEMA1: { kind: 'invalid-parameter', description: 'A schema 1 manifest (not supported).' },
  BERTH_REGISTRY_ZSTD: { kind: 'invalid-parameter', description: 'A zstd-compressed layer (not unpacked).' },
  BERTH_REGISTRY_FOREIGN_LAYER: { kind: 'invalid-parameter', description: 'A foreign (non-distributable) layer (not fetched).' },
  BERTH_REGISTRY_LAYER_TYPE: { kind: 'invalid-parameter', description: 'A layer media type berth does not know.' },
  BERTH_REGISTRY_BAD_PLATFORM: { kind: 'invalid-parameter', description: 'A platform string that is not os[/arch[/variant]].' },
  BERTH_REGISTRY_NO_PLATFORM: { kind: 'invalid-parameter', description: 'No entry of a manifest list matches the platform.' },
  BERTH_REGISTRY_NO_TAGS: { kind: 'invalid-parameter', description: 'Pull --all-tags of a repository without tags.' },
  BERTH_REGISTRY_PUSH_DIGEST: { kind: 'invalid-parameter', description: 'Push of a digest reference.' },
  BERTH_REGISTRY_NO_LOCAL_IMAGE: { kind: 'not-found', description: 'Push of a tag that no local image has.' },
  BERTH_REGISTRY_NO_LAYER_TAR: { kind: 'system', description: 'A layer without its stored tar, so it cannot be pushed.' },
  BERTH_REGISTRY_CANCELED: { kind: 'system', description: 'The client went away during a pull.' },
  BERTH_REGISTRY_LAYER_GONE: { kind: 'system', description: 'A layer removed while a pull that needs it ran.' },
  BERTH_REGISTRY_DOWNLOAD: { kind: 'system', description: 'A blob download that failed after its retries.' },
  BERTH_REGISTRY_UNAUTHORIZED: { kind: 'unauthorized', description: 'The registry or its token endpoint refused the credentials.' },
  BERTH_REGISTRY_NO_CREDENTIALS: { kind: 'unauthorized', description: 'The registry asks for Basic auth and the request carries no credentials.' },
  BERTH_REGISTRY_LOGIN_FAILED: { kind: 'unauthorized', description: 'POST /auth with credentials the registry refuses.' },
  BERTH_REGISTRY_REFUSED: {
    kind: 'system',
    description: 'A pull or push the registry refused for lack of credentials (a 500, as dockerd: a 401 would make the CLI prompt).',
  },
  BERTH_REGISTRY_TOKEN: { kind: 'system', description: 'A token endpoint that errors or answers without a token.' },
  BERTH_REGISTRY_DENIED: { kind: 'forbidden', description: 'The registry answered 403, or its token does not cover the request (DENIED).' },
  BERTH_REGISTRY_NOT_FOUND: { kind: 'not-found', description: 'The registry answered 404.' },
  BERTH_REGISTRY_TOO_MANY_REQUESTS: { kind: 'unavailable', description: 'The registry answered 429.' },
  BERTH_REGISTRY_UNREACHABLE: { kind: 'unavailable', description: 'The registry could not be reached (connection, TLS or timeout).' },
  BERTH_REGISTRY_ERROR: { kind: 'system', description: 'Any other error status from the registry.' },
} as const satisfies Block;

/** Every block, by area name: a new block is added here, once (the unit test checks that no code is in two). */
/** Networks, endpoints, published ports and network namespaces (src/engine/networks). */
export const NETWORK = {
  BERTH_NETWORK_NOT_FOUND: { kind: 'not-found', description: 'No network has that name, ID or ID prefix ("network X not found").' },
  BERTH_NETWORK_AMBIGUOUS: { kind: 'invalid-parameter', description: 'An ID prefix matches more than one network.' },
  BERTH_NETWORK_BAD_NAME: { kind: 'invalid-parameter', description: 'A network name outside [a-zA-Z0-9][a-zA-Z0-9_.-]*.' },
  BERTH_NETWORK_DRIVER: { kind: 'not-found', description: 'A network driver other than bridge (Docker: plugin "x" not found).' },
  BERTH_NETWORK_IPV6: { kind: 'invalid-parameter', description: 'An IPv6 network or subnet: not supported yet.' },
  BERTH_NETWORK_IPAM_MULTI: { kind: 'invalid-parameter', description: 'More than one IPAM config (subnet) for a network.' },
  BERTH_NETWORK_BAD_MTU: { kind: 'invalid-parameter', description: 'com.docker.network.driver.mtu that is not a number in 68..65535.' },
  BERTH_NETWORK_BAD_BRIDGE: { kind: 'invalid-parameter', description: 'com.docker.network.bridge.name that is not a valid Linux interface name.' },
  BERTH_NETWORK_BRIDGE_IN_USE: { kind: 'conflict', description: 'A bridge name another network of this daemon has.' },
  BERTH_NETWORK_NAME_IN_USE: { kind: 'conflict', description: 'Create with a name another network has ("network with name X already exists").' },
  BERTH_NETWORK_BAD_SUBNET: { kind: 'invalid-parameter', description: 'A subnet or ip-range that is not an IPv4 CIDR.' },
  BERTH_NETWORK_BAD_GATEWAY: { kind: 'invalid-parameter', description: 'A gateway outside the subnet.' },
  BERTH_NETWORK_BAD_RANGE: { kind: 'invalid-parameter', description: 'An ip-range outside the subnet.' },
  BERTH_NETWORK_POOL_OVERLAP: {
    kind: 'forbidden',
    description: 'A subnet overlapping another network\'s ("Pool overlaps with other one on this address space").',
  },
  BERTH_NETWORK_NO_POOL: { kind: 'invalid-parameter', description: 'Every subnet of the address pools is taken (by networks or host routes).' },
  BERTH_NETWORK_NO_SUBNET: { kind: 'system', description: 'A bridge network record without an IPv4 subnet.' },
  BERTH_NETWORK_BAD_BIP: { kind: 'system', description: 'The bip setting names the network address instead of the gateway.' },
  BERTH_NETWORK_PREDEFINED: { kind: 'forbidden', description: 'Remove of bridge, host or none.' },
  BERTH_NETWORK_IN_USE: { kind: 'forbidden', description: 'Remove of a network with running containers ("has active endpoints").' },
  BERTH_NETWORK_MODE: { kind: 'invalid-parameter', description: 'A malformed NetworkMode (container: without a name).' },
  BERTH_NETWORK_MULTIPLE: { kind: 'invalid-parameter', description: "Create with EndpointsConfig for more than the container's own network." },
  BERTH_NETWORK_NOT_BRIDGE: { kind: 'forbidden', description: 'Connect to or disconnect from host or none.' },
  BERTH_NETWORK_SHARED: { kind: 'forbidden', description: "Connect of a container on host, none or another container's namespace." },
  BERTH_NETWORK_ALIAS_DEFAULT: { kind: 'invalid-parameter', description: 'Network aliases on the default bridge network.' },
  BERTH_NETWORK_IP_DEFAULT: { kind: 'invalid-parameter', description: 'A fixed IPv4 address on the default bridge network (refused at start or connect).' },
  BERTH_NETWORK_IP_AUTO_SUBNET: {
    kind: 'invalid-parameter',
    description: 'A fixed IPv4 address on a network whose subnet was picked by the daemon (refused at start or connect, as dockerd).',
  },
  BERTH_NETWORK_ALREADY_CONNECTED: { kind: 'forbidden', description: 'Connect of a container already on the network.' },
  BERTH_NETWORK_NOT_CONNECTED: { kind: 'system', description: "Disconnect of a container not on the network (dockerd 20.10's 500)." },
  BERTH_NETWORK_DISCONNECT: { kind: 'conflict', description: 'netavark failed to remove the interface of a live container (without force).' },
  BERTH_NETWORK_BAD_IP: { kind: 'invalid-parameter', description: 'A requested address that is not IPv4.' },
  BERTH_NETWORK_IP_OUTSIDE: { kind: 'invalid-parameter', description: 'A requested address outside the subnet.' },
  BERTH_NETWORK_IP_IN_USE: { kind: 'conflict', description: 'A requested address another endpoint (or the gateway) has.' },
  BERTH_NETWORK_POOL_EXHAUSTED: { kind: 'unavailable', description: 'No free address left in the network.' },
  BERTH_NETWORK_JOIN_STOPPED: { kind: 'conflict', description: 'NetworkMode container:X with X not running.' },
  BERTH_NETWORK_NETAVARK_SETUP: { kind: 'system', description: 'netavark setup failed (its message is kept).' },
  BERTH_NETWORK_NETAVARK_TEARDOWN: { kind: 'system', description: 'netavark teardown failed (its message is kept).' },
  BERTH_NETNS_CREATE: { kind: 'system', description: 'unshare could not make a network namespace file.' },
  BERTH_NETNS_DIR: { kind: 'system', description: 'The namespace directory could not be made a private bind mount.' },
  BERTH_PORT_SPEC: { kind: 'invalid-parameter', description: 'A malformed port key ("invalid port specification").' },
  BERTH_PORT_ALLOCATED: { kind: 'conflict', description: 'A host port another container of this daemon publishes ("port is already allocated").' },
  BERTH_PORT_IN_USE: { kind: 'conflict', description: 'A host port another process holds, or an address the host does not have.' },
} as const satisfies Block;

/** Observation and control: events, docker update (stats, health and system df throw no codes of their own). */
export const OBSERVE = {
  BERTH_EVENTS_SINCE_AFTER_UNTIL: { kind: 'invalid-parameter', description: 'GET /events with `since` after `until`.' },
  BERTH_EVENTS_SLOW_READER: { kind: 'unavailable', description: 'A live events reader fell more than the queue bound behind and was dropped.' },
  BERTH_UPDATE_CONFLICT: {
    kind: 'conflict',
    description: 'docker update: Docker\'s "Conflicting options" (NanoCpus against CpuQuota/CpuPeriod, memory above the set swap).',
  },
  BERTH_UPDATE_AUTOREMOVE: { kind: 'conflict', description: 'docker update: a restart policy other than "no" for an AutoRemove container.' },
  BERTH_UPDATE_BLKIO_WEIGHT: { kind: 'invalid-parameter', description: 'docker update: BlkioWeight outside 10–1000.' },
  BERTH_UPDATE_MEMORY: { kind: 'invalid-parameter', description: 'docker update: a memory limit below 6 MB.' },
  BERTH_UPDATE_SWAP: { kind: 'invalid-parameter', description: 'docker update: a memory+swap limit below the memory limit.' },
  BERTH_UPDATE_RUNTIME: { kind: 'system', description: 'docker update: the runtime (runc update) refused the new limits; nothing was stored.' },
} as const satisfies Block;

export const ERROR_CODE_AREAS = {
  API,
  CONTAINER,
  CONTAINER_FILES,
  FILTER,
  ATTACH,
  EXEC,
  IMAGE,
  RUNTIME,
  HOST,
  SYSTEM,
  VOLUME,
  BUILD,
  NETWORK,
  REGISTRY,
  OBSERVE,
} as const;

type Areas = typeof ERROR_CODE_AREAS;
/** The blocks merged into one object type (the intersection of the union of the blocks). */
type Merged<U> = (U extends unknown ? (block: U) => void : never) extends (block: infer I) => void ? I : never;
type Catalogue = Merged<Areas[keyof Areas]>;

/** Every code with its kind and description. */
export const ERROR_CODES = Object.assign({}, ...Object.values(ERROR_CODE_AREAS)) as Catalogue;

/** Every catalogued code. */
export type ErrorCode = keyof Catalogue;

/** The codes catalogued with kind `K`. */
export type CodeOfKind<K extends ErrorKind> = { [C in ErrorCode]: Catalogue[C]['kind'] extends K ? C : never }[ErrorCode];
