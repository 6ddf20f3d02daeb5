/**
 * The plan's wire format (native/plan.h), described once on the TypeScript side: the two structs as
 * field tables (offsets and sizes derived with C's alignment rules), and each op as one row (its code
 * and what a, b, c and s[0..3] mean). The builder writes through these tables, `tsrun explain` and the
 * golden dumps read through them, and test/unit/plan-abi.test.ts compiles a C probe against plan.h and
 * compares every size, offset and value. Change plan.h and this file together.
 */
export const PLAN_MAGIC = 0x4e4c5054;
export const PLAN_VERSION = 1;
export const NOSTR = 0xffffffff;

export type CType = "u32" | "u64";
export interface FieldDecl { name: string; type: CType; count?: number }
export interface Field extends FieldDecl { offset: number; size: number }
export interface Struct { cName: string; size: number; fields: Record<string, Field> }

const SIZES: Record<CType, number> = { u32: 4, u64: 8 };

/** A C struct's layout: each field at the next multiple of its alignment, the size rounded to the largest. */
export function layout(cName: string, decls: FieldDecl[]): Struct {
  let at = 0, align = 1;
  const fields: Record<string, Field> = {};
  for (const d of decls) {
    const unit = SIZES[d.type];
    at = Math.ceil(at / unit) * unit;
    align = Math.max(align, unit);
    fields[d.name] = { ...d, offset: at, size: unit * (d.count ?? 1) };
    at += unit * (d.count ?? 1);
  }
  return { cName, size: Math.ceil(at / align) * align, fields };
}

export const HEADER = layout("tsrun_plan_header", [
  { name: "magic", type: "u32" }, { name: "version", type: "u32" }, { name: "op_count", type: "u32" },
  { name: "str_len", type: "u32" }, { name: "clone_flags", type: "u64" }, { name: "unshare_flags", type: "u64" },
  { name: "flags", type: "u32" }, { name: "reserved0", type: "u32" }, { name: "reserved", type: "u64", count: 3 },
]);
export const OP_STRUCT = layout("tsrun_op", [
  { name: "code", type: "u32" }, { name: "flags", type: "u32" },
  { name: "a", type: "u64" }, { name: "b", type: "u64" }, { name: "c", type: "u64" }, { name: "s", type: "u32", count: 4 },
]);
export const HEADER_SIZE = HEADER.size;
export const OP_SIZE = OP_STRUCT.size;

export const PlanFlag = { FORK_INIT: 0x1, NEW_USERNS: 0x2, SETSID: 0x4, KEEP_STATE_DIR: 0x8 } as const;
export const OpFlag = {
  MKFILE: 0x01, BIND: 0x02, REMOUNT_BIND: 0x04, BIND_FALLBACK: 0x08, RETRY_LATER: 0x10, OPTIONAL: 0x20,
  CHECK_PROCFS: 0x40, DEFER: 0x80,
} as const;

/** How a number field reads: hex (flags, masks), oct (modes) or dec (ids, counts). */
export type NumFormat = "hex" | "oct" | "dec";
/** A string slot: one string; `count` strings in a row (the count in a or b); or `len` bytes (len in a or c, times unit). */
export type StrSlot = { name: string; kind: "str" } | { name: string; kind: "list"; count: "a" | "b" }
  | { name: string; kind: "blob"; len: "a" | "c"; unit?: number };
export interface OpDesc {
  code: number;
  a?: [string, NumFormat]; b?: [string, NumFormat]; c?: [string, NumFormat];
  s?: StrSlot[];
}

const str = (name: string): StrSlot => ({ name, kind: "str" });
const list = (name: string, count: "a" | "b"): StrSlot => ({ name, kind: "list", count });
const blob = (name: string, len: "a" | "c", unit?: number): StrSlot => ({ name, kind: "blob", len, ...(unit ? { unit } : {}) });
const MOUNT_FIELDS = {
  a: ["mount flags", "hex"], b: ["remount flags", "hex"], c: ["propagation", "hex"],
  s: [str("source"), str("destination"), str("fstype"), str("data")],
} as const satisfies Omit<OpDesc, "code">;

/** Every op of enum tsrun_opcode: the one table the rest is derived from (see plan.h for what each does). */
export const OPS = {
  NSJOIN: { code: 1, a: ["nstype", "hex"], s: [str("path")] },
  OOM_SCORE_ADJ: { code: 2, a: ["value", "dec"] },
  MOUNT: { code: 3, ...MOUNT_FIELDS },
  MKNOD: { code: 4, a: ["mode", "oct"], b: ["dev", "hex"], c: ["uid<<32|gid", "hex"], s: [str("path")] },
  SYMLINK: { code: 5, s: [str("target"), str("link")] },
  MKDIR: { code: 6, a: ["mode", "oct"], s: [str("path")] },
  PIVOT_ROOT: { code: 7, s: [str("rootfs")] },
  MOVE_ROOT: { code: 8, a: ["chroot only", "dec"], s: [str("rootfs")] },
  MASK_PATH: { code: 9, a: ["fs magic", "hex"], s: [str("path")] },
  READONLY_PATH: { code: 10, a: ["fs magic", "hex"], s: [str("path")] },
  REMOUNT_RO: { code: 11, s: [str("path")] },
  SYSCTL: { code: 12, s: [str("key"), str("value")] },
  SETHOSTNAME: { code: 13, s: [str("name")] },
  SETDOMAINNAME: { code: 14, s: [str("name")] },
  RLIMIT: { code: 15, a: ["resource", "dec"], b: ["soft", "dec"], c: ["hard", "dec"] },
  CHDIR: { code: 16, s: [str("path")] },
  CHDIR_RETRY: { code: 17 },
  UMASK: { code: 18, a: ["mask", "oct"] },
  KEEPCAPS: { code: 19, a: ["on", "dec"] },
  CAPBSET_DROP: { code: 20, a: ["keep", "hex"] },
  SETGROUPS: { code: 21, a: ["count", "dec"], s: [blob("gids", "a", 4)] },
  SETRESGID: { code: 22, a: ["gid", "dec"] },
  SETRESUID: { code: 23, a: ["uid", "dec"] },
  CAPSET: { code: 24, a: ["effective", "hex"], b: ["permitted", "hex"], c: ["inheritable", "hex"] },
  AMBIENT: { code: 25, a: ["mask", "hex"] },
  NO_NEW_PRIVS: { code: 26 },
  SECCOMP: { code: 27, a: ["length", "dec"], b: ["seccomp flags", "hex"], s: [blob("filter", "a")] },
  LOOKUP_EXEC: { code: 28, s: [str("argv0"), str("PATH")] },
  REPORT_READY: { code: 29 },
  WAIT_START: { code: 30, a: ["keep fifo", "dec"] },
  EXEC: { code: 31, a: ["argc", "dec"], b: ["envc", "dec"], s: [list("argv", "a"), list("env", "b")] },
  PRIVATE_ROOT: { code: 32, a: ["propagation", "hex"] },
  OPEN_ROOT: { code: 33, s: [str("rootfs")] },
  SETUP_CONSOLE: { code: 40, a: ["rows", "dec"], b: ["cols", "dec"], c: ["uid", "dec"], s: [str("ptmx")] },
  HOOK_SYNC: { code: 50, a: ["point", "hex"], s: [str("state file")] },
  HOOK_EXEC: {
    code: 51, a: ["argc", "dec"], b: ["envc", "dec"], c: ["timeout", "dec"],
    s: [str("path"), list("argv", "a"), list("env", "b"), str("label")],
  },
  PROC_ATTR: { code: 52, a: ["kind", "dec"], b: ["value", "hex"], c: ["length", "dec"], s: [blob("attr", "c")] },
  MOUNT_SETATTR: { code: 53, a: ["attr_set", "hex"], b: ["attr_clr", "hex"], c: ["propagation", "hex"], s: [str("path")] },
  MOUNT_IDMAP: { code: 54, a: ["AT_RECURSIVE", "hex"], s: [str("source"), str("destination"), str("userns")] },
  MOUNT_COPYUP: { code: 55, ...MOUNT_FIELDS, b: ["root takes the mode", "dec"] },
} as const satisfies Record<string, OpDesc>;

export type OpName = keyof typeof OPS;
export const Op = Object.fromEntries(Object.entries(OPS).map(([k, d]) => [k, d.code])) as { readonly [K in OpName]: (typeof OPS)[K]["code"] };
export type OpCode = (typeof Op)[OpName];
export const opName = new Map<number, string>(Object.entries(Op).map(([k, v]) => [v, k]));
export const opDesc = new Map<number, OpDesc>(Object.values(OPS).map((d) => [d.code, d as OpDesc]));

/** Namespace type (OCI name) → CLONE_NEW* flag. The single table for validation, plans and features. */
export const NAMESPACES = {
  pid: 0x20000000, network: 0x40000000, mount: 0x00020000, ipc: 0x08000000,
  uts: 0x04000000, user: 0x10000000, cgroup: 0x02000000, time: 0x00000080,
} as const;
export type NamespaceType = keyof typeof NAMESPACES;
/** /proc/<pid>/ns/<name> for each OCI namespace type */
export const NS_PROC_NAME: Record<NamespaceType, string> = {
  pid: "pid", network: "net", mount: "mnt", ipc: "ipc", uts: "uts", user: "user", cgroup: "cgroup", time: "time",
};
