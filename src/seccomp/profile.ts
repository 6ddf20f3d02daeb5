/**
 * linux.seccomp as the compiler uses it. The config's schema and semantic rules
 * (src/spec/schema-linux.ts, src/spec/semantic.ts) have already checked it, with every error
 * worded `config.json: linux.seccomp...`; this only normalises: bigint argument values,
 * duplicates dropped from architectures and flags, defaults filled in.
 */
import type { LinuxSeccomp } from "../spec/schema.js";

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

const U64_MAX = (1n << 64n) - 1n;

/** JSON.parse gives doubles: a literal near 2^64-1 arrives as exactly 2^64; saturate it. */
const u64 = (v: number | undefined): bigint => (v === undefined ? 0n : v >= 2 ** 64 ? U64_MAX : BigInt(v));

/** null when the profile asks for no filter at all (no defaultAction and no syscalls), as runc reads it. */
export function seccompProfile(s: LinuxSeccomp | undefined): SeccompProfile | null {
  if (!s || (!s.defaultAction && !s.syscalls?.length)) return null;
  return {
    defaultAction: s.defaultAction,
    defaultErrnoRet: s.defaultErrnoRet,
    architectures: [...new Set(s.architectures ?? [])],
    flags: s.flags ? [...new Set(s.flags)] : undefined,
    listenerPath: s.listenerPath,
    listenerMetadata: s.listenerMetadata,
    syscalls: (s.syscalls ?? []).map((r) => ({
      names: r.names,
      action: r.action,
      errnoRet: r.errnoRet,
      args: (r.args ?? []).map((a) => ({ index: a.index, value: u64(a.value), valueTwo: u64(a.valueTwo), op: a.op })),
    })),
  };
}
