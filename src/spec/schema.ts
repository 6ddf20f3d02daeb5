/**
 * zod schema of the OCI runtime-spec container configuration (config.json) for Linux,
 * spec versions 1.0.0 to 1.3.x, and of a bare process object (`exec --process`).
 * Unknown members are tolerated everywhere (kept in the parsed value, absent from the
 * static types). Other platforms' sections (windows, solaris, vm, zos, freebsd) are
 * not modelled: they are unknown members to tsrun.
 * Errors carry tsrun's wording (see schema-base.ts); load.ts adds file and JSON path.
 */
import { z } from "zod";
import {
  anyInt, arr, bool, customCheck, int32, mapStringString, nonEmpty, obj, oneOf, pattern, positiveInt, str, strs,
  show, uint32, uint64,
} from "./schema-base.js";
import { idMappingSchema, linuxSchema } from "./schema-linux.js";

export * from "./schema-linux.js";

/** Highest supported spec minor version for major 1. */
export const MAX_MINOR = 3;

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/** "1.0.2-dev" -> true; anything outside 1.0.0 .. 1.3.x (pre-releases included) -> false. */
export function supportedVersion(v: string): boolean {
  const m = SEMVER.exec(v);
  return m !== null && m[1] === "1" && Number(m[2]) <= MAX_MINOR;
}

export const ociVersionSchema = customCheck<string>(
  `typeof v === "string" && ((m) => m !== null && m[1] === "1" && Number(m[2]) <= ${MAX_MINOR})(/${SEMVER.source}/.exec(v))`,
  (iss) => {
    const v = iss.input;
    if (v === undefined) return "is required";
    if (typeof v !== "string") return `expected a string, got ${show(v)}`;
    if (!SEMVER.test(v)) return `expected a semantic version such as "1.0.2", got ${show(v)}`;
    return `unsupported version ${show(v)} (tsrun supports 1.0.0 to 1.${MAX_MINOR}.x)`;
  });

const absolutePath = customCheck<string>(`typeof v === "string" && v.startsWith("/")`, (iss) => {
  const v = iss.input;
  if (v === undefined) return "is required";
  return `expected ${typeof v === "string" ? "an absolute path" : "a string"}, got ${show(v)}`;
});

const notEmptyString = str.min(1, { error: "must not be empty" });

export const rootSchema = obj({
  path: notEmptyString,
  readonly: bool.optional(),
});

export const mountSchema = obj({
  destination: notEmptyString,
  type: str.optional(),
  source: str.optional(),
  options: strs.optional(),
  uidMappings: arr(idMappingSchema).optional(),
  gidMappings: arr(idMappingSchema).optional(),
});

export const userSchema = obj({
  uid: uint32.optional(),
  gid: uint32.optional(),
  umask: uint32.optional(),
  additionalGids: arr(uint32).optional(),
  username: str.optional(),
});

export const capabilitiesSchema = obj({
  bounding: strs.optional(),
  effective: strs.optional(),
  inheritable: strs.optional(),
  permitted: strs.optional(),
  ambient: strs.optional(),
});

export const rlimitSchema = obj({
  type: pattern(/^RLIMIT_[A-Z]+$/, "rlimit type"),
  soft: uint64,
  hard: uint64,
});

export const schedulerSchema = obj({
  policy: oneOf("scheduler policy", [
    "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE",
  ]),
  nice: int32.optional(),
  priority: int32.optional(),
  flags: arr(oneOf("scheduler flag", [
    "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM", "SCHED_FLAG_DL_OVERRUN", "SCHED_FLAG_KEEP_POLICY",
    "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN", "SCHED_FLAG_UTIL_CLAMP_MAX",
  ])).optional(),
  runtime: uint64.optional(),
  deadline: uint64.optional(),
  period: uint64.optional(),
});

export const ioPrioritySchema = obj({
  class: oneOf("I/O priority class", ["IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE"]),
  priority: int32.optional(),
});

const cpuList = pattern(/^[0-9, -]*$/, "CPU list");

export const execCPUAffinitySchema = obj({
  initial: cpuList.optional(),
  final: cpuList.optional(),
});

/**
 * A process: config.json's `process`, or the whole of an exec process.json. On Linux
 * tsrun requires args (non-empty) and an absolute cwd.
 */
export const processSchema = obj({
  terminal: bool.optional(),
  consoleSize: obj({ height: uint64, width: uint64 }).optional(),
  cwd: absolutePath,
  env: strs.optional(),
  args: nonEmpty(str),
  commandLine: str.optional(),
  rlimits: arr(rlimitSchema).optional(),
  apparmorProfile: str.optional(),
  capabilities: capabilitiesSchema.optional(),
  noNewPrivileges: bool.optional(),
  oomScoreAdj: anyInt.optional(),
  scheduler: schedulerSchema.optional(),
  selinuxLabel: str.optional(),
  ioPriority: ioPrioritySchema.optional(),
  execCPUAffinity: execCPUAffinitySchema.optional(),
  user: userSchema.optional(),
});

export const hookSchema = obj({
  path: notEmptyString,
  args: strs.optional(),
  env: strs.optional(),
  timeout: positiveInt.optional(),
});

const hookList = arr(hookSchema).optional();

export const hooksSchema = obj({
  prestart: hookList,
  createRuntime: hookList,
  createContainer: hookList,
  startContainer: hookList,
  poststart: hookList,
  poststop: hookList,
});

/** The whole config.json. Member order here is the order issues are found in. */
export const specSchema = obj({
  ociVersion: ociVersionSchema,
  root: rootSchema,
  mounts: arr(mountSchema).optional(),
  process: processSchema.optional(),
  hostname: str.optional(),
  domainname: str.optional(),
  hooks: hooksSchema.optional(),
  annotations: mapStringString.optional(),
  linux: linuxSchema.optional(),
});

export type Spec = z.output<typeof specSchema>;
export type Root = z.output<typeof rootSchema>;
export type Mount = z.output<typeof mountSchema>;
export type Process = z.output<typeof processSchema>;
export type User = z.output<typeof userSchema>;
export type Capabilities = z.output<typeof capabilitiesSchema>;
export type Rlimit = z.output<typeof rlimitSchema>;
export type Scheduler = z.output<typeof schedulerSchema>;
export type IOPriority = z.output<typeof ioPrioritySchema>;
export type ExecCPUAffinity = z.output<typeof execCPUAffinitySchema>;
export type Hook = z.output<typeof hookSchema>;
export type Hooks = z.output<typeof hooksSchema>;
export type HookName = keyof Hooks;
