/**
 * Mirror of native/plan.h. test/unit/plan-abi.test.ts parses the header and checks
 * every value here, so the two cannot drift apart.
 */
export const PLAN_MAGIC = 0x4e4c5054;
export const PLAN_VERSION = 1;
export const NOSTR = 0xffffffff;
export const HEADER_SIZE = 64;
export const OP_SIZE = 48;

export const PlanFlag = { FORK_INIT: 0x1, NEW_USERNS: 0x2, SETSID: 0x4, KEEP_STATE_DIR: 0x8 } as const;

export const Op = {
  NSJOIN: 1, OOM_SCORE_ADJ: 2, MOUNT: 3, MKNOD: 4, SYMLINK: 5, MKDIR: 6, PIVOT_ROOT: 7, MOVE_ROOT: 8,
  MASK_PATH: 9, READONLY_PATH: 10, REMOUNT_RO: 11, SYSCTL: 12, SETHOSTNAME: 13, SETDOMAINNAME: 14,
  RLIMIT: 15, CHDIR: 16, CHDIR_RETRY: 17, UMASK: 18, KEEPCAPS: 19, CAPBSET_DROP: 20, SETGROUPS: 21,
  SETRESGID: 22, SETRESUID: 23, CAPSET: 24, AMBIENT: 25, NO_NEW_PRIVS: 26, SECCOMP: 27, LOOKUP_EXEC: 28,
  REPORT_READY: 29, WAIT_START: 30, EXEC: 31, PRIVATE_ROOT: 32, OPEN_ROOT: 33,
  HOOK_SYNC: 50, HOOK_EXEC: 51, PROC_ATTR: 52, MOUNT_SETATTR: 53, MOUNT_IDMAP: 54, MOUNT_COPYUP: 55,
  SETUP_CONSOLE: 40,
} as const;
export type OpCode = (typeof Op)[keyof typeof Op];
export const opName = new Map<number, string>(Object.entries(Op).map(([k, v]) => [v, k]));

export const OpFlag = {
  MKFILE: 0x01, BIND: 0x02, REMOUNT_BIND: 0x04, BIND_FALLBACK: 0x08, RETRY_LATER: 0x10, OPTIONAL: 0x20,
  CHECK_PROCFS: 0x40, DEFER: 0x80,
} as const;

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
