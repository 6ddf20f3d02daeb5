/**
 * tsrun's command line, once: runc's global flags, and every command with its arguments and its
 * own flags. Everything that reads argv is built from these tables: src/argv.ts (the parser every
 * call goes through), src/commander.ts (commander, for help, --version and the errors) and
 * scanLogFlags (src/log-flags.ts). Nothing else declares a flag.
 */
import { DEFAULT_ROOT } from "./state/store.js";

export interface Flag {
  /** "-b"; none for most */
  short?: string;
  /** "--bundle"; "--no-x" is commander's negation: option `x`, true unless given */
  long: string;
  /** a value flag's placeholder, shown in help ("dir" → `--root <dir>`); a boolean flag has none */
  value?: string;
  default?: string;
  choices?: readonly string[];
  /** repeatable: every value is kept, in order, in a list */
  many?: true;
  /** accepted, not listed in help */
  hidden?: true;
  help: string;
}

/** printed by commander itself (program.version) */
export const VERSION_FLAG: Flag = { short: "-v", long: "--version", help: "print the version" };

export const GLOBAL_FLAGS: readonly Flag[] = [
  { long: "--root", value: "dir", help: `root directory for container state (default ${DEFAULT_ROOT}; rootless: $XDG_RUNTIME_DIR/tsrun)` },
  { long: "--log", value: "file", help: "log file for errors (containerd reads it)" },
  { long: "--log-format", value: "format", choices: ["text", "json"], default: "text", help: "log format" },
  { long: "--debug", help: "enable debug logging" },
  { long: "--systemd-cgroup", help: "use systemd for cgroups: cgroupsPath is slice:prefix:name, the container a transient scope (over D-Bus)" },
  { long: "--rootless", value: "value", default: "auto", help: "auto, true or false: run without privileges (auto: the euid is not 0, or in a user namespace)" },
  { long: "--criu", value: "path", help: "the criu binary for checkpoint and restore (default: criu, found on PATH)" },
];

/** criu's --manage-cgroups modes */
export const CRIU_CGROUP_MODES = ["soft", "full", "strict", "ignore"] as const;

const consoleSocket: Flag = { long: "--console-socket", value: "path", help: "unix socket that receives the pty master" };
const pidFile: Flag = { long: "--pid-file", value: "file", help: "file to write the process id to (init's, for create and run)" };
const preserveFds: Flag = { long: "--preserve-fds", value: "n", default: "0", help: "pass N extra fds (3..3+N-1) to the process" };
const tty: Flag = { short: "-t", long: "--tty", help: "allocate a pty (sets process.terminal)" };
const detach: Flag = { short: "-d", long: "--detach", help: "detach from the process" };
const format: Flag = { short: "-f", long: "--format", value: "format", choices: ["table", "json"], default: "table", help: "table or json" };
const bundle: Flag = { short: "-b", long: "--bundle", value: "dir", default: ".", help: "path to the bundle directory" };

const CREATE: readonly Flag[] = [
  bundle, pidFile, consoleSocket,
  { long: "--no-pivot", help: "do not use pivot_root (MS_MOVE + chroot instead)" },
  { long: "--no-new-keyring", help: "do not create a new session keyring" },
  preserveFds,
];

// update's resource flags: every one takes a value
const UPDATE_VALUES: ReadonlyArray<readonly [string, string]> = [
  ["blkio-weight", "block IO weight, 10..1000"], ["cpu-period", "CPU CFS period (µs)"], ["cpu-quota", "CPU CFS quota (µs)"],
  ["cpu-burst", "CPU CFS burst (µs)"], ["cpu-share", "CPU shares"], ["cpu-rt-period", "CPU realtime period (µs)"],
  ["cpu-rt-runtime", "CPU realtime runtime (µs)"], ["cpuset-cpus", "CPUs to use"], ["cpuset-mems", "memory nodes to use"],
  ["cpu-idle", "1: SCHED_IDLE for the cgroup"], ["memory", "memory limit (bytes, or 32m, 1g; -1 unlimited)"],
  ["memory-reservation", "memory soft limit"], ["memory-swap", "memory+swap limit; -1 unlimited"],
  ["pids-limit", "maximum number of pids"], ["kernel-memory", "ignored (obsolete)"], ["kernel-memory-tcp", "ignored (obsolete)"],
  ["l3-cache-schema", "Intel RDT L3 schema (not supported)"], ["mem-bw-schema", "Intel RDT MBA schema (not supported)"],
];

// checkpoint and restore (CRIU): the flags both take, then each one's own
const CRIU_COMMON: readonly Flag[] = [
  { long: "--image-path", value: "dir", help: "directory of the criu image files (default: ./checkpoint)" },
  { long: "--work-path", value: "dir", help: "directory for criu's log and work files (default: the image path)" },
  { long: "--tcp-established", help: "allow open tcp connections" },
  { long: "--ext-unix-sk", help: "allow external unix sockets" },
  { long: "--shell-job", help: "allow shell jobs" },
  { long: "--file-locks", help: "handle file locks" },
  { long: "--manage-cgroups-mode", value: "mode", choices: CRIU_CGROUP_MODES, help: "criu's cgroups mode (default: soft)" },
  { long: "--empty-ns", value: "namespace", many: true, help: "create this namespace but do not restore its properties (network; repeatable)" },
  { long: "--auto-dedup", help: "deduplicate memory images as they are written" },
  { long: "--lazy-pages", help: "restore memory pages lazily with userfaultfd (not supported)" },
];
const CHECKPOINT: readonly Flag[] = [
  ...CRIU_COMMON,
  { long: "--parent-path", value: "dir", help: "previous criu images (pre-dump), relative to the image path" },
  { long: "--leave-running", help: "leave the container running after the checkpoint" },
  { long: "--pre-dump", help: "dump memory only and leave the container running (for a later checkpoint with --parent-path)" },
  { long: "--page-server", value: "address:port", help: "send pages to a criu page server (not supported)" },
  { long: "--status-fd", value: "fd", help: "criu writes \\0 here when lazy pages are ready (not supported)" },
];
const RESTORE: readonly Flag[] = [
  ...CRIU_COMMON, bundle, detach, pidFile, consoleSocket,
  { long: "--no-subreaper", help: "do not become a subreaper" },
  { long: "--no-pivot", help: "accepted: criu makes the restored mount namespace itself" },
  { long: "--no-new-keyring", help: "accepted: the restored processes keep their keyrings" },
];

/** Each command's flags, by command name; a command not listed has none. */
export const COMMAND_FLAGS: Readonly<Record<string, readonly Flag[]>> = {
  create: CREATE,
  run: [
    ...CREATE, detach,
    { long: "--keep", help: "keep the container after it exits" },
    { long: "--no-subreaper", help: "do not become a subreaper" },
    tty,
  ],
  exec: [
    consoleSocket,
    { long: "--cwd", value: "dir", help: "working directory in the container" },
    { short: "-e", long: "--env", value: "VAR=value", many: true, help: "an environment variable (repeatable)" },
    tty,
    { short: "-u", long: "--user", value: "uid[:gid]", help: "user and group ids" },
    { short: "-g", long: "--additional-gids", value: "gid", many: true, help: "an additional group (repeatable)" },
    { short: "-p", long: "--process", value: "file", help: "process.json: a runtime-spec process object" },
    detach, pidFile,
    { long: "--process-label", value: "label", help: "selinux label (accepted, not applied)" },
    { long: "--apparmor", value: "profile", help: "apparmor profile (accepted, not applied)" },
    { long: "--no-new-privs", help: "set no_new_privs" },
    { short: "-c", long: "--cap", value: "cap", many: true, help: "add a capability (repeatable)" },
    preserveFds,
    { long: "--cgroup", value: "[controller:]path", many: true, help: "run in this sub-cgroup of the container (repeatable)" },
    { long: "--ignore-paused", help: "exec even if the container is paused" },
  ],
  kill: [{ short: "-a", long: "--all", help: "send to every process in the container" }],
  delete: [{ short: "-f", long: "--force", help: "kill the container first if it is running" }],
  ps: [format],
  events: [
    { long: "--interval", value: "duration", default: "5s", help: "stats collection interval" },
    { long: "--stats", help: "print the container's statistics once and exit" },
  ],
  update: [
    { short: "-r", long: "--resources", value: "file", help: "a JSON file of resources to update, or - for stdin (other flags are then ignored)" },
    ...UPDATE_VALUES.map(([name, help]): Flag => ({ long: `--${name}`, value: "value", help })),
    { long: "--cpu-shares", value: "value", hidden: true, help: "alias of --cpu-share" },
  ],
  list: [format, { short: "-q", long: "--quiet", help: "print only ids" }],
  spec: [{ ...bundle, help: "bundle directory" }, { long: "--rootless", help: "a spec for a rootless container" }],
  checkpoint: CHECKPOINT,
  restore: RESTORE,
  explain: [bundle, { long: "--format", value: "format", choices: ["text", "json"], default: "text", help: "text or json" }],
};

export interface CommandSpec {
  /** commander's syntax: `<x>` required, `[x]` optional, `[x...]` the rest */
  args: readonly string[];
  description: string;
  /** flags are read only before the first argument; what follows goes to the last one (exec's command, ps's args) */
  passThrough?: true;
  /** the exit status when the command fails once its arguments are read (runc: 1, exec 255, so a script can tell a
   * failed exec from the process's own status) */
  failStatus?: number;
}

const ID = "<container-id>";
export const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  create: { args: [ID], description: "create a container" },
  run: { args: [ID], description: "create and run a container" },
  exec: { args: [ID, "[command...]"], description: "run a process in a running container", passThrough: true, failStatus: 255 },
  start: { args: [ID], description: "start a created container" },
  state: { args: [ID], description: "print the state of a container" },
  kill: { args: [ID, "[signal]"], description: "send a signal to the container's init" },
  delete: { args: [ID], description: "delete a container" },
  pause: { args: [ID], description: "suspend all processes of a container" },
  resume: { args: [ID], description: "resume all processes of a paused container" },
  ps: { args: [ID, "[ps-args...]"], description: "list the processes of a container", passThrough: true },
  events: { args: [ID], description: "print container events and resource statistics" },
  update: { args: [ID], description: "update a container's resource limits" },
  list: { args: [], description: "list containers" },
  spec: { args: [], description: "write a default config.json" },
  features: { args: [], description: "print the features tsrun supports, as JSON" },
  checkpoint: { args: [ID], description: "checkpoint a running container with criu" },
  restore: { args: [ID], description: "restore a container from a checkpoint made with criu" },
  explain: { args: [], description: "print what create would do with a bundle (the plan op by op, cgroup writes, hooks); creates nothing" },
};

/** help text and default of the optional and variadic arguments */
export const ARG_HELP: Readonly<Record<string, readonly [string, string?]>> = {
  "[command...]": ["command and arguments (or --process)"], "[signal]": ["signal", "SIGTERM"],
  "[ps-args...]": ["arguments for ps (default -ef)"],
};

/** The option object's key for a flag, as commander names it: --pid-file → pidFile, --no-pivot → pivot. */
export function optionKey(f: Flag): string {
  return f.long.replace(/^--(no-)?/, "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
