/**
 * criu's command lines for checkpoint and restore (pure; pinned by test/golden/criu-*.argv).
 * tsrun drives criu through its command line, not its RPC (docs/ARCHITECTURE.md says why): every
 * choice is made here, from options and the externals of ./externals.ts, so a unit test sees
 * exactly what criu is asked to do.
 */

/** What both verbs pass on: the booleans of runc's flags, criu's cgroup mode and the empty namespaces. */
export interface CriuCommon {
  imagePath: string;
  workPath: string;
  tcpEstablished?: boolean;
  extUnixSk?: boolean;
  shellJob?: boolean;
  fileLocks?: boolean;
  /** soft, full, strict or ignore; absent: criu's default (soft) */
  manageCgroupsMode?: string;
  /** criu's namespace names ("net") */
  emptyNs: readonly string[];
  autoDedup?: boolean;
}

export interface DumpArgs extends CriuCommon {
  pid: number;
  /** criu pre-dump instead of dump: memory only, the tree keeps running */
  preDump?: boolean;
  leaveRunning?: boolean;
  /** the previous images, relative to imagePath (criu's --prev-images-dir) */
  parentPath?: string;
  /** the container's freezer cgroup: criu freezes through it, not by ptrace alone */
  freezeCgroup?: string;
  /** --external values: mnt[<mount point>]:<name>, file[<mnt id>:<inode>], net[<inode>]:<key> */
  externals: readonly string[];
}

export interface RestoreArgs extends CriuCommon {
  /** the directory criu makes the restored mount namespace's root (the rootfs) */
  root: string;
  pidFile: string;
  /** criu's --cgroup-root values: "[controller:]/path" */
  cgroupRoots: readonly string[];
  /** --external values: mnt[<name>]:<host path> */
  externals: readonly string[];
  /** criu's --inherit-fd: a restored file whose key is `key` is our fd `fd` */
  inheritFds: ReadonlyArray<{ fd: number; key: string }>;
}

const LOG_LEVEL = "-v4";

function common(o: CriuCommon, log: string): string[] {
  const a = ["--images-dir", o.imagePath, "--work-dir", o.workPath, "--log-file", log, LOG_LEVEL];
  if (o.tcpEstablished) a.push("--tcp-established");
  if (o.extUnixSk) a.push("--ext-unix-sk");
  if (o.shellJob) a.push("--shell-job");
  if (o.fileLocks) a.push("--file-locks");
  // getopt takes an optional value only attached: "--manage-cgroups soft" would leave "soft" as an operand
  a.push(o.manageCgroupsMode ? `--manage-cgroups=${o.manageCgroupsMode}` : "--manage-cgroups");
  for (const ns of o.emptyNs) a.push("--empty-ns", ns);
  if (o.autoDedup) a.push("--auto-dedup");
  return a;
}

/** `criu dump` (or `pre-dump`) of the tree rooted at the container's init. */
export function dumpArgv(o: DumpArgs): string[] {
  const a = [o.preDump ? "pre-dump" : "dump", "--tree", String(o.pid), ...common(o, o.preDump ? "pre-dump.log" : "dump.log")];
  if (o.parentPath) a.push("--prev-images-dir", o.parentPath);
  if (o.preDump || o.parentPath) a.push("--track-mem");
  if (o.leaveRunning && !o.preDump) a.push("--leave-running");
  if (o.freezeCgroup) a.push("--freeze-cgroup", o.freezeCgroup);
  for (const e of o.externals) a.push("--external", e);
  return a;
}

/**
 * `criu restore`, detached, the restored init a child of tsrun (--restore-sibling), so tsrun can
 * wait for it in the foreground and a subreaper above tsrun inherits it when tsrun exits.
 */
export function restoreArgv(o: RestoreArgs): string[] {
  const a = ["restore", ...common(o, "restore.log"), "--root", o.root, "--restore-detached", "--restore-sibling", "--pidfile", o.pidFile];
  for (const r of o.cgroupRoots) a.push("--cgroup-root", r);
  for (const e of o.externals) a.push("--external", e);
  for (const f of o.inheritFds) a.push("--inherit-fd", `fd[${f.fd}]:${f.key}`);
  return a;
}

/** The first line of criu's output or log that says what went wrong, without its source position. */
export function criuErrorLine(text: string): string | undefined {
  const lines = text.split("\n").filter((l) => /\bError\b/.test(l));
  // criu logs some errors it then tolerates (a missing tun device when probing); the last error is the one that ended it,
  // and the first after the probes is usually its cause
  const meaningful = lines.filter((l) => !/tun: Unable to create tun|Restoring FAILED|Dumping FAILED|Pre-dumping FAILED|Could not initialize kernel features/.test(l));
  const pick = meaningful[0] ?? lines[lines.length - 1];
  return pick?.replace(/^\([\d.]+\)\s*/, "").replace(/^\s*\d+:\s*/, "").replace(/^Error \([^)]*\):\s*/, "").trim();
}

/** criu --version's "Version: 3.17.1" → [3, 17, 1] */
export function parseCriuVersion(text: string): [number, number, number] | undefined {
  const m = /Version:\s*(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

/** The oldest criu tsrun drives: --cgroup-root with cgroup v2, and the cgroup v2 freezer (3.14). */
export const CRIU_MIN_VERSION: readonly [number, number] = [3, 14];

export function versionOk(v: readonly number[]): boolean {
  return v[0] > CRIU_MIN_VERSION[0] || (v[0] === CRIU_MIN_VERSION[0] && v[1] >= CRIU_MIN_VERSION[1]);
}
