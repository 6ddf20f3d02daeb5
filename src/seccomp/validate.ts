/**
 * Structural validation of `linux.seccomp` (no libseccomp needed). Each problem is one
 * TsrunError line naming the JSON path, e.g.
 *   config.json: linux.seccomp.syscalls[3].action: unknown action "SCMP_ACT_FOO"
 * The result is a normalised profile the compiler can trust.
 */
import { TsrunError } from "../errors.js";
import { ACTIONS, ARCHS, FLAGS, OPERATORS } from "./tables.js";

export interface SeccompArg {
  index: number;
  value: bigint;
  valueTwo: bigint;
  op: string;
}

export interface SeccompRule {
  names: string[];
  action: string;
  errnoRet?: number;
  args: SeccompArg[];
}

export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures: string[];
  /** undefined when the field is absent: the compiler then applies runc's default */
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls: SeccompRule[];
}

export const DEFAULT_WHERE = "config.json: linux.seccomp";

const U64_MAX = (1n << 64n) - 1n;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Validate and normalise. Returns null when the object asks for no filter at all (no
 * defaultAction and no syscalls), which is how runc reads it.
 */
export function validateSeccomp(raw: unknown, where: string = DEFAULT_WHERE): SeccompProfile | null {
  const fail = (path: string, msg: string): never => {
    throw new TsrunError(`${where}${path}: ${msg}`);
  };
  if (raw === undefined || raw === null) return null;
  if (!isObject(raw)) fail("", "must be an object");
  const s = raw as Record<string, unknown>;

  const syscallsRaw = s.syscalls ?? [];
  if (!Array.isArray(syscallsRaw)) fail(".syscalls", "must be an array");
  const syscallList = syscallsRaw as unknown[];
  if ((s.defaultAction === undefined || s.defaultAction === "") && syscallList.length === 0) return null;

  const action = (path: string, v: unknown): string => {
    if (typeof v !== "string") return fail(path, "must be a string naming an SCMP_ACT_* action");
    if (!Object.hasOwn(ACTIONS, v)) fail(path, `unknown action ${JSON.stringify(v)}`);
    return v;
  };
  const errno = (path: string, v: unknown): number | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 0xffff) {
      fail(path, `must be an integer from 0 to 65535, got ${JSON.stringify(v)}`);
    }
    return v as number;
  };
  const u64 = (path: string, v: unknown): bigint => {
    if (v === undefined || v === null) return 0n;
    let b: bigint | undefined;
    if (typeof v === "bigint") b = v;
    // JSON.parse gives doubles: a literal near 2^64-1 arrives as exactly 2^64, which
    // the spec schema accepts; saturate it to the largest uint64.
    else if (typeof v === "number" && Number.isInteger(v)) b = v === 2 ** 64 ? U64_MAX : BigInt(v);
    if (b === undefined || b < 0n || b > U64_MAX) {
      fail(path, `must be an unsigned 64-bit integer, got ${typeof v === "bigint" ? v.toString() : JSON.stringify(v)}`);
    }
    return b as bigint;
  };
  const optString = (path: string, v: unknown): string | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") fail(path, "must be a string");
    return v as string;
  };

  const defaultAction = action(".defaultAction", s.defaultAction);
  if (defaultAction === "SCMP_ACT_NOTIFY") fail(".defaultAction", "SCMP_ACT_NOTIFY cannot be the default action");
  const defaultErrnoRet = errno(".defaultErrnoRet", s.defaultErrnoRet);

  const architectures: string[] = [];
  if (s.architectures !== undefined && s.architectures !== null) {
    if (!Array.isArray(s.architectures)) fail(".architectures", "must be an array");
    (s.architectures as unknown[]).forEach((a, i) => {
      if (typeof a !== "string" || !Object.hasOwn(ARCHS, a)) fail(`.architectures[${i}]`, `unknown architecture ${JSON.stringify(a)}`);
      if (!architectures.includes(a as string)) architectures.push(a as string);
    });
  }

  let flags: string[] | undefined;
  if (s.flags !== undefined && s.flags !== null) {
    if (!Array.isArray(s.flags)) fail(".flags", "must be an array");
    flags = [];
    (s.flags as unknown[]).forEach((f, i) => {
      if (typeof f !== "string" || !Object.hasOwn(FLAGS, f)) fail(`.flags[${i}]`, `unknown flag ${JSON.stringify(f)}`);
      if (!flags!.includes(f as string)) flags!.push(f as string);
    });
  }

  const listenerPath = optString(".listenerPath", s.listenerPath);
  const listenerMetadata = optString(".listenerMetadata", s.listenerMetadata);

  const syscalls: SeccompRule[] = syscallList.map((r, i) => {
    const at = `.syscalls[${i}]`;
    if (!isObject(r)) return fail(at, "must be an object");
    if (!Array.isArray(r.names) || r.names.length === 0) fail(`${at}.names`, "must be a non-empty array of syscall names");
    const names = (r.names as unknown[]).map((n, j) => {
      if (typeof n !== "string" || n === "") fail(`${at}.names[${j}]`, "must be a non-empty string");
      return n as string;
    });
    const act = action(`${at}.action`, r.action);
    const errnoRet = errno(`${at}.errnoRet`, r.errnoRet);
    if (r.args !== undefined && r.args !== null && !Array.isArray(r.args)) fail(`${at}.args`, "must be an array");
    const args = ((r.args as unknown[] | undefined) ?? []).map((a, j) => {
      const ap = `${at}.args[${j}]`;
      if (!isObject(a)) return fail(ap, "must be an object");
      const index = a.index;
      if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index > 5) {
        fail(`${ap}.index`, `must be an argument index from 0 to 5, got ${JSON.stringify(index)}`);
      }
      if (typeof a.op !== "string" || !Object.hasOwn(OPERATORS, a.op)) fail(`${ap}.op`, `unknown operator ${JSON.stringify(a.op)}`);
      return { index: index as number, value: u64(`${ap}.value`, a.value), valueTwo: u64(`${ap}.valueTwo`, a.valueTwo), op: a.op as string };
    });
    if (act === "SCMP_ACT_NOTIFY") {
      // As runc: the init process reports the listener fd to its parent with write(2),
      // so a notifying write could never be answered.
      const j = names.indexOf("write");
      if (j >= 0) fail(`${at}.names[${j}]`, "SCMP_ACT_NOTIFY cannot be used for the write syscall");
    }
    return { names, action: act, errnoRet, args };
  });

  if (syscalls.some((r) => r.action === "SCMP_ACT_NOTIFY") && !listenerPath) {
    fail(".listenerPath", "required when a rule uses SCMP_ACT_NOTIFY");
  }

  return { defaultAction, defaultErrnoRet, architectures, flags, listenerPath, listenerMetadata, syscalls };
}
