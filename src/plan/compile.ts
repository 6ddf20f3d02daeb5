/**
 * spec → plan. Pure: everything it needs from the host comes in through `env`
 * (so golden tests can run it without root). Every ordering decision about the
 * container's setup is made here; the C executor runs ops in order.
 */
import { posix } from "node:path";
import type { Spec, Mount } from "../spec/schema.js";
import { TsrunError } from "../errors.js";
import { PlanBuilder, type Plan } from "./builder.js";
import { Op, OpFlag, PlanFlag, NAMESPACES, type NamespaceType } from "./ops.js";
import { MS, parseMountOptions, RECURSIVE_OPTIONS, EXTRA_OPTIONS } from "./mount-options.js";
import { capMask, CapError, RLIMITS } from "./caps.js";
import { planHookSync, planIdmapSync, planStartContainer } from "./hooks.js";
import { planConsole } from "./exec.js";
import { checkIdMaps, idmapOf } from "./idmap.js";
import { planProcAttrs } from "./procattrs.js";
import { recursiveAttrs } from "./mount-recursive.js";
import { checkNoMountNs } from "./no-mountns.js";
import { planCgroupV1Mount, type CgroupHierarchy } from "./cgroup-mount.js";
import { isKernelFs, maskedPathFs } from "./kernel-fs.js";

export interface HostView {
  /** stat of a bind source on the host: "dir", "file", or undefined when it does not exist */
  sourceKind(path: string): "dir" | "file" | undefined;
  /** a bind source the container's mapped root cannot reach: mounted by the host-side helper (src/bind-reach.ts) */
  unreachable?(path: string): boolean;
}

/** A seccomp filter compiled by src/seccomp (libseccomp), ready for seccomp(2). */
export interface SeccompPlan {
  filter: Buffer;
  flags: number;
  /** NEW_LISTENER: the child sends the listener fd to the parent, so the load must come before READY */
  notify?: boolean;
}

export interface ProcessOptions {
  gateOnStart: boolean;
  seccomp?: SeccompPlan;
}

export interface InitOptions {
  rootfs: string;       // absolute host path
  bundle: string;       // absolute
  noPivot: boolean;
  host: HostView;
  seccomp?: SeccompPlan;
  /** mount index → path of a user namespace with that mount's maps (src/idmap-helpers.ts) */
  idmapUserns?: Map<number, string>;
  /** a cgroup v1/hybrid host: what a `cgroup` mount shows (src/plan/cgroup-mount.ts) */
  cgroupHierarchies?: CgroupHierarchy[];
  /** no mount namespace: the container's own empty directory the rootfs is bound onto (src/host-mounts.ts) */
  mountAt?: string;
}

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/** The devices every container gets (runc's defaults): mknod, or a bind of the host's node in a user namespace. */
export const DEFAULT_DEVICES: ReadonlyArray<readonly [string, number, number]> = [
  ["/dev/null", 1, 3], ["/dev/zero", 1, 5], ["/dev/full", 1, 7],
  ["/dev/random", 1, 8], ["/dev/urandom", 1, 9], ["/dev/tty", 5, 0],
];
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;
/** setns order: user first (it decides what the others may do), mount last */
export const JOIN_ORDER: NamespaceType[] = ["user", "ipc", "uts", "network", "pid", "cgroup", "time", "mount"];

export class SpecError extends TsrunError {
  constructor(path: string, msg: string) {
    super(`config.json: ${path}: ${msg}`);
  }
}

function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major), mi = BigInt(minor);
  return ((ma & 0xfffn) << 8n) | ((ma & ~0xfffn) << 32n) | (mi & 0xffn) | ((mi & ~0xffn) << 12n);
}

/** JSON numbers above 2^53 are not exact: anything at or past 2^64-1 means RLIM_INFINITY. */
function rlimitValue(v: number): bigint {
  return v >= 2 ** 64 - 1 ? 0xffffffffffffffffn : BigInt(Math.trunc(v));
}

function inRoot(dest: string): string {
  const n = posix.normalize("/" + dest);
  return n === "/" ? "/" : n.replace(/\/+$/, "");
}

/** Namespaces → clone/unshare flags and join ops. */
function planNamespaces(b: PlanBuilder, spec: Spec): Set<NamespaceType> {
  const nss = spec.linux?.namespaces ?? [];
  const types = new Set<NamespaceType>();
  const joins = new Map<NamespaceType, string>();
  nss.forEach((ns, i) => {
    const t = ns.type as NamespaceType;
    if (!(t in NAMESPACES)) throw new SpecError(`linux.namespaces[${i}].type`, `unknown namespace "${ns.type}"`);
    types.add(t);
    if (ns.path) joins.set(t, ns.path);
  });
  let fresh = 0n;
  for (const t of types) if (!joins.has(t)) fresh |= BigInt(NAMESPACES[t]);
  // a new time namespace takes its offsets before any process is in it: unshare, the runtime writes
  // timens_offsets while the child waits (the maps request), then FORK_INIT puts init in it
  const newTime = types.has("time") && !joins.has("time");
  if (joins.size === 0 && !newTime) {
    b.cloneFlags = fresh;                       // fast path: clone3 creates them all, init is pid 1
  } else {
    for (const t of JOIN_ORDER) {
      const p = joins.get(t);
      if (p) b.at(`linux.namespaces[${nss.findIndex((n) => n.type === t)}].path`, () => b.op(Op.NSJOIN, `join ${t} namespace "${p}"`, { a: NAMESPACES[t], s: [p] }));
    }
    b.unshareFlags = fresh;
    if (types.has("pid") || newTime) b.flags |= PlanFlag.FORK_INIT;
  }
  if (newTime) b.flags |= PlanFlag.NEW_USERNS;   // the pre-GO sync point; without a user ns, maps are not written
  if (spec.linux?.timeOffsets && !newTime) throw new SpecError("linux.timeOffsets", "needs a new time namespace");
  if (types.has("user") && !joins.has("user")) b.flags |= PlanFlag.NEW_USERNS;
  checkIdMaps(spec.linux?.uidMappings, "linux.uidMappings");
  checkIdMaps(spec.linux?.gidMappings, "linux.gidMappings");
  if ((spec.linux?.uidMappings?.length || spec.linux?.gidMappings?.length) && !(types.has("user") && !joins.has("user"))) {
    throw new SpecError("linux.uidMappings", "mappings need a new user namespace");
  }
  return types;
}

/** runc's rule: a tmpfs or /dev asked to be read-only gets its submounts, devices and console first */
function readOnlyLater(m: Mount): boolean {
  const o = parseMountOptions(m.options ?? []);
  if (m.type === "bind" || (o.flags & MS.BIND) !== 0 || (o.flags & MS.RDONLY) === 0) return false;
  return m.type === "tmpfs" || inRoot(m.destination ?? "") === "/dev";
}

function planMount(b: PlanBuilder, spec: Spec, m: Mount, i: number, opts: InitOptions): void {
  const where = `mounts[${i}]`;
  if (!m.destination) throw new SpecError(`${where}.destination`, "must not be empty");
  const dest = inRoot(m.destination);
  const o = parseMountOptions(m.options ?? []);
  const isBind = m.type === "bind" || (o.flags & MS.BIND) !== 0;
  let type = m.type;
  if (type === "cgroup" && !isBind && opts.cgroupHierarchies) return planCgroupV1Mount(b, dest, o, opts.cgroupHierarchies, i);
  if (type === "cgroup") type = "cgroup2";
  if (isBind) {
    if (!m.source) throw new SpecError(`${where}.source`, "a bind mount needs a source");
    // a bind has no filesystem data: key=value is ignored (as runc does), an unknown bare word is an error
    const unknown = o.data.find((x) => !x.includes("=") && !RECURSIVE_OPTIONS.includes(x) && !EXTRA_OPTIONS.includes(x));
    if (unknown !== undefined) throw new SpecError(`${where}.options`, `unknown mount option "${unknown}" for a bind mount`);
    const unsupported = o.data.find((x) => !x.includes("=") && x !== "tmpcopyup" && x !== "idmap" && x !== "ridmap" && !RECURSIVE_OPTIONS.includes(x));
    if (unsupported !== undefined) throw new SpecError(`${where}.options`, `mount option "${unsupported}" is not supported by tsrun yet`);
    const src = posix.isAbsolute(m.source) ? m.source : posix.join(opts.bundle, m.source);
    const kind = opts.host.sourceKind(src);
    if (!kind) throw new SpecError(`${where}.source`, `stat \`${src}\`: ENOENT`);
    const remount = o.flags & ~(MS.BIND | MS.REC | MS.REMOUNT);
    let flags = OpFlag.BIND;
    if (kind === "file") flags |= OpFlag.MKFILE;
    if (remount) flags |= OpFlag.REMOUNT_BIND;
    if (idmapOf(spec, m, i) || opts.host.unreachable?.(src)) {
      // the runtime makes it from the host while init waits here, in spec order (src/idmap-helpers.ts): see idmapPlan
      const file = kind === "file";
      b.op(Op.MKDIR, `${file ? "create file" : "mkdir"} "${dest}"`, { flags: file ? OpFlag.MKFILE : 0, a: 0o755, s: [dest] });
      planIdmapSync(b, i, dest);
      return;
    }
    b.op(Op.MOUNT, `bind mount "${src}" on "${dest}"`, {
      flags, a: MS.BIND | (o.flags & MS.REC), b: remount, c: o.propagation, s: [src, dest, undefined, undefined],
    });
    planRecursive(b, m.options ?? [], dest);
    return;
  }
  if (o.data.includes("idmap") || o.data.includes("ridmap") || m.uidMappings?.length) throw new SpecError(`${where}.options`, "idmapped mounts must be bind mounts");
  const copyup = o.data.includes("tmpcopyup");
  if (copyup && type !== "tmpfs") throw new SpecError(`${where}.options`, `tmpcopyup needs a tmpfs mount, not "${type ?? ""}"`);
  let flags = 0;
  // proc, sysfs, cgroup: the mount point must be an ordinary directory (src/plan/kernel-fs.ts)
  const check = isKernelFs(type) ? { mount: i, fs: m.type ?? "" } : undefined;
  if (check) flags |= OpFlag.CHECK_PROCFS;
  // sysfs needs the network namespace's owner, cgroup2 the cgroup namespace's: without (rootless, no namespace
  // of its own) the host's /sys or /sys/fs/cgroup is bound, as runc does (native/mounts.c kernfs_fallback)
  if (type === "sysfs" || type === "cgroup2") flags |= OpFlag.BIND_FALLBACK;
  const data = o.data.filter((x) => !RECURSIVE_OPTIONS.includes(x) && !EXTRA_OPTIONS.includes(x));
  const dataStr = data.length ? data.join(",") : undefined;
  // tmpcopyup (native/copyup.c): the tmpfs root takes the directory's mode unless the data sets one
  // a read-only tmpfs or /dev is mounted writable and made read-only once everything under it is there
  const ro = readOnlyLater(m) ? MS.RDONLY : 0;
  b.op(copyup ? Op.MOUNT_COPYUP : Op.MOUNT, `${copyup ? "tmpcopyup " : ""}mount "${type ?? m.source ?? ""}" on "${dest}"`, {
    flags, a: o.flags & ~MS.REMOUNT & ~ro, b: copyup && !data.some((x) => x.startsWith("mode=")) ? 1 : 0, c: o.propagation,
    s: [m.source ?? type, dest, type, dataStr], check,
  });
  planRecursive(b, m.options ?? [], dest);
}

/**
 * The plan of the helper that makes the idmapped mounts inside the container's mount namespace
 * (joined by path) while init waits at OP_HOOK_SYNC, before pivot_root. It runs as host root:
 * open_tree and MOUNT_ATTR_IDMAP need privileges the container's user namespace does not have.
 */
export function idmapPlan(spec: Spec, mntns: string, opts: InitOptions, only?: number): Plan | undefined {
  const b = new PlanBuilder();
  b.op(Op.NSJOIN, `join mount namespace "${mntns}"`, { a: NAMESPACES.mount, s: [mntns] });
  b.op(Op.OPEN_ROOT, `open rootfs "${opts.rootfs}"`, { s: [opts.rootfs] });
  let n = 0;
  (spec.mounts ?? []).forEach((m, i) => {
    if (only !== undefined && i !== only) return;
    const src = m.source === undefined ? "" : posix.isAbsolute(m.source) ? m.source : posix.join(opts.bundle, m.source);
    const o = parseMountOptions(m.options ?? []);
    const idmapped = !!idmapOf(spec, m, i);
    const isBind = m.type === "bind" || (o.flags & MS.BIND) !== 0;
    if (!idmapped && !(isBind && opts.host.unreachable?.(src))) return;
    const dest = inRoot(m.destination);
    const rec = (o.flags & MS.REC) !== 0 || (m.options ?? []).includes("ridmap");
    if (idmapped) {
      const ns = opts.idmapUserns?.get(i) ?? "/proc/<helper>/ns/user";
      b.op(Op.MOUNT_IDMAP, `idmapped bind mount "${src}" on "${dest}"`, { a: rec ? 0x8000 : 0, s: [src, dest, ns] });
    } else {
      b.op(Op.MOUNT_IDMAP, `bind mount "${src}" on "${dest}" from the host (the container's root cannot reach it)`, { a: rec ? 0x8000 : 0, s: [src, dest, undefined] });
    }
    const f = o.flags;
    const attr = (f & MS.RDONLY ? 1 : 0) | (f & MS.NOSUID ? 2 : 0) | (f & MS.NODEV ? 4 : 0) | (f & MS.NOEXEC ? 8 : 0);
    if (attr) b.op(Op.MOUNT_SETATTR, `mount options on "${dest}"`, { a: attr, s: [dest] });
    planRecursive(b, m.options ?? [], dest);
    n++;
  });
  return n ? b.build() : undefined;
}

function planRecursive(b: PlanBuilder, options: readonly string[], dest: string): void {
  const r = recursiveAttrs(options);
  if (r) b.op(Op.MOUNT_SETATTR, `recursive mount options on "${dest}"`, { a: r.set, b: r.clr, s: [dest] });
}

function planDevices(b: PlanBuilder, spec: Spec, mounts: Mount[]): void {
  if (mounts.some((m) => inRoot(m.destination) === "/dev" && (m.type === "bind" || (m.options ?? []).some((x) => x === "bind" || x === "rbind")))) return;
  const custom = new Map((spec.linux?.devices ?? []).map((d, i) => [inRoot(d.path), { d, i }]));
  for (const [path, major, minor] of DEFAULT_DEVICES) {
    if (custom.has(path)) continue;
    b.op(Op.MKNOD, `mknod "${path}"`, { flags: OpFlag.BIND_FALLBACK, a: S_IFCHR | 0o666, b: makedev(major, minor), s: [path] });
  }
  for (const [path, { d, i }] of custom) {
    const kind = d.type === "c" || d.type === "u" ? S_IFCHR : d.type === "b" ? S_IFBLK : d.type === "p" ? S_IFIFO : -1;
    if (kind < 0) throw new SpecError(`linux.devices[${i}].type`, `unknown device type "${d.type}"`);
    const mode = d.fileMode ?? 0o666;
    const owner = (BigInt(d.uid ?? 0) << 32n) | BigInt(d.gid ?? 0);
    b.at(`linux.devices[${i}]`, () => b.op(Op.MKNOD, `mknod "${path}"`, { flags: OpFlag.BIND_FALLBACK, a: kind | (mode & 0o7777), b: makedev(d.major ?? 0, d.minor ?? 0), c: owner, s: [path] }));
  }
  const links: Array<[string, string]> = [
    ["/proc/self/fd", "/dev/fd"], ["/proc/self/fd/0", "/dev/stdin"], ["/proc/self/fd/1", "/dev/stdout"],
    ["/proc/self/fd/2", "/dev/stderr"], ["pts/ptmx", "/dev/ptmx"],
  ];
  for (const [target, link] of links) b.op(Op.SYMLINK, `symlink "${link}"`, { s: [target, link] });
}

/** The process part: everything from rlimits to exec. Shared by create and exec. */
export function planProcess(b: PlanBuilder, spec: Spec, opts: ProcessOptions): void {
  const p = spec.process;
  if (!p) return;
  (p.rlimits ?? []).forEach((r, i) => {
    const res = RLIMITS[r.type];
    if (res === undefined) throw new SpecError(`process.rlimits[${i}].type`, `unknown rlimit "${r.type}"`);
    b.at(`process.rlimits[${i}]`, () => b.op(Op.RLIMIT, `setrlimit ${r.type}`, { a: res, b: rlimitValue(r.soft), c: rlimitValue(r.hard) }));
  });
  if (p.user?.umask !== undefined) b.at("process.user.umask", () => b.op(Op.UMASK, "umask", { a: p.user!.umask! }));
  else b.op(Op.UMASK, "umask", { a: 0o022 });
  planProcAttrs(b, spec);
  if (p.noNewPrivileges) b.at("process.noNewPrivileges", () => b.op(Op.NO_NEW_PRIVS, "prctl PR_SET_NO_NEW_PRIVS"));
  // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it before caps are dropped.
  // With it, load as late as possible: the executor defers it to just before execve.
  const sc = opts.seccomp;
  const seccompOp = (flags: number): void => {
    b.at("linux.seccomp", () => b.op(Op.SECCOMP, "load seccomp filter", { flags, a: sc!.filter.length, b: sc!.flags, s: [{ blob: sc!.filter }] }));
  };
  if (sc && !p.noNewPrivileges) seccompOp(0);
  b.at("process.cwd", () => b.op(Op.CHDIR, `chdir "${p.cwd}"`, { flags: OpFlag.RETRY_LATER, s: [p.cwd] }));
  let caps: { bounding: bigint; effective: bigint; permitted: bigint; inheritable: bigint; ambient: bigint };
  try {
    const c = p.capabilities ?? {};
    caps = {
      bounding: capMask(c.bounding, "process.capabilities.bounding"), effective: capMask(c.effective, "process.capabilities.effective"),
      permitted: capMask(c.permitted, "process.capabilities.permitted"), inheritable: capMask(c.inheritable, "process.capabilities.inheritable"),
      ambient: capMask(c.ambient, "process.capabilities.ambient"),
    };
  } catch (e) {
    if (e instanceof CapError) throw new TsrunError(`config.json: ${e.message}`);
    throw e;
  }
  b.op(Op.KEEPCAPS, "prctl PR_SET_KEEPCAPS", { a: 1 });
  b.at("process.capabilities.bounding", () => b.op(Op.CAPBSET_DROP, "drop bounding capabilities", { a: caps.bounding }));
  const gids = p.user?.additionalGids ?? [];
  const blob = Buffer.alloc(gids.length * 4);
  gids.forEach((g, i) => blob.writeUInt32LE(g, i * 4));
  b.at("process.user.additionalGids", () => b.op(Op.SETGROUPS, "setgroups", { a: gids.length, s: [{ blob }] }));
  b.at("process.user.gid", () => b.op(Op.SETRESGID, `setresgid ${p.user?.gid ?? 0}`, { a: p.user?.gid ?? 0 }));
  b.at("process.user.uid", () => b.op(Op.SETRESUID, `setresuid ${p.user?.uid ?? 0}`, { a: p.user?.uid ?? 0 }));
  b.op(Op.KEEPCAPS, "prctl PR_SET_KEEPCAPS", { a: 0 });
  b.at("process.capabilities", () => b.op(Op.CAPSET, "capset", { a: caps.effective, b: caps.permitted, c: caps.inheritable }));
  // The kernel raises an ambient cap only when it is permitted and inheritable; runc's own
  // default spec asks for ambient caps without inheritable ones, so drop those (with a warning).
  const ambient = caps.ambient & caps.permitted & caps.inheritable;
  if (ambient !== caps.ambient) b.warn("process.capabilities.ambient: capabilities that are not also permitted and inheritable are not raised");
  if (ambient) b.at("process.capabilities.ambient", () => b.op(Op.AMBIENT, "raise ambient capabilities", { a: ambient }));
  b.at("process.cwd", () => b.op(Op.CHDIR_RETRY, `chdir "${p.cwd}"`));
  const env = [...(p.env ?? [])];
  const pathVar = env.filter((e) => e.startsWith("PATH=")).pop()?.slice(5) ?? DEFAULT_PATH;
  if (!env.some((e) => e.startsWith("HOME="))) env.push(`HOME=${(p.user?.uid ?? 0) === 0 ? "/root" : "/"}`);
  b.at("process.args", () => b.op(Op.LOOKUP_EXEC, `exec "${p.args![0]}"`, { s: [p.args![0], pathVar] }));
  if (sc?.notify && p.noNewPrivileges) seccompOp(0);     // the parent is gone after READY
  b.op(Op.REPORT_READY, "report ready");
  // with startContainer hooks init keeps the fifo open: a hook's failure goes back to `tsrun start` on it
  const startHooks = opts.gateOnStart && !!spec.hooks?.startContainer?.length;
  if (opts.gateOnStart) b.op(Op.WAIT_START, "wait for start", { a: startHooks ? 1 : 0 });
  // runc runs startContainer hooks under the filter: load it before them, else right before execve
  if (sc && !sc.notify && p.noNewPrivileges) seccompOp(startHooks ? 0 : OpFlag.DEFER);
  if (opts.gateOnStart) planStartContainer(b, spec);
  b.at("process.args", () => b.op(Op.EXEC, `exec "${p.args![0]}"`, { a: p.args!.length, b: env.length, s: [{ list: p.args! }, { list: env }] }));
}

export function compileInit(spec: Spec, opts: InitOptions): Plan {
  const b = new PlanBuilder();
  const nss = planNamespaces(b, spec);
  b.flags |= PlanFlag.SETSID;
  const ownMnt = nss.has("mount");               // without: the host's (src/plan/no-mountns.ts)
  if (!ownMnt) checkNoMountNs(spec, opts.rootfs);
  if ((spec.hostname || spec.domainname) && !nss.has("uts")) {
    throw new SpecError(spec.hostname ? "hostname" : "domainname", "needs a uts namespace");
  }
  const p = spec.process;
  if (p?.oomScoreAdj !== undefined) b.at("process.oomScoreAdj", () => b.op(Op.OOM_SCORE_ADJ, "write /proc/self/oom_score_adj", { a: BigInt(p.oomScoreAdj!) }));

  const prop = spec.linux?.rootfsPropagation?.replace(/^r/, ""); // always applied with MS_REC
  const propFlags: Record<string, number> = {
    shared: MS.SHARED, slave: MS.SLAVE, private: MS.PRIVATE, unbindable: MS.UNBINDABLE,
  };
  if (prop !== undefined && !(prop in propFlags)) throw new SpecError("linux.rootfsPropagation", `unknown propagation "${prop}"`);
  // shared and unbindable are applied after pivot_root: an unbindable / cannot be bound as the rootfs
  const late = prop === "shared" || prop === "unbindable";
  const propAt = prop !== undefined ? "linux.rootfsPropagation" : undefined;
  if (ownMnt) b.at(propAt, () => b.op(Op.PRIVATE_ROOT, "make / a slave mount", { a: MS.REC | (late ? MS.SLAVE : prop ? propFlags[prop] : MS.SLAVE) }));
  // the container's root: the rootfs bound onto itself, or without a mount namespace onto a directory
  // of the container's own, made private, so that its mounts stay off the host's peers and off other
  // containers that share the rootfs
  const root = ownMnt ? opts.rootfs : opts.mountAt;
  if (root === undefined) throw new TsrunError("internal error: no mount point for a container without a mount namespace");
  b.at("root.path", () => {
    b.op(Op.OPEN_ROOT, `open rootfs "${root}"`, { s: [root] });
    b.op(Op.MOUNT, `bind mount rootfs "${opts.rootfs}"`, { flags: OpFlag.BIND, a: MS.BIND | MS.REC, c: ownMnt ? 0 : MS.REC | MS.PRIVATE, s: [opts.rootfs, "/"] });
    b.op(Op.OPEN_ROOT, `open rootfs "${root}"`, { s: [root] });
  });
  const mounts = spec.mounts ?? [];
  // init reopens the exec fifo through /proc/self/fd; without a /proc it keeps the state dir for that
  if (!mounts.some((m) => m.type === "proc" && inRoot(m.destination ?? "") === "/proc")) b.flags |= PlanFlag.KEEP_STATE_DIR;
  mounts.forEach((m, i) => b.at(`mounts[${i}]`, () => planMount(b, spec, m, i, opts)));
  planDevices(b, spec, mounts);
  planHookSync(b, spec);
  b.at("root.path", () => {
    if (!ownMnt) b.op(Op.MOVE_ROOT, `chroot "${root}" (no mount namespace)`, { a: 1, s: [root] });
    else if (opts.noPivot) b.op(Op.MOVE_ROOT, "move rootfs to / (--no-pivot)", { s: [opts.rootfs] });
    else b.op(Op.PIVOT_ROOT, `pivot_root "${opts.rootfs}"`, { s: [opts.rootfs] });
  });
  if (late) b.at("linux.rootfsPropagation", () => b.op(Op.PRIVATE_ROOT, `make / ${prop}`, { a: MS.REC | propFlags[prop!] }));
  // as runc: the console, then the read-only remounts, so nothing under them is still to be made
  if (p?.terminal) b.at("process.terminal", () => planConsole(b, p));
  mounts.forEach((m, i) => {
    const dest = inRoot(m.destination ?? "");
    if (readOnlyLater(m)) b.at(`mounts[${i}]`, () => b.op(Op.REMOUNT_RO, `remount "${dest}" read-only`, { s: [dest] }));
  });
  if (spec.root?.readonly) b.at("root.readonly", () => b.op(Op.REMOUNT_RO, "remount / read-only", { s: ["/"] }));
  if (spec.hostname) b.at("hostname", () => b.op(Op.SETHOSTNAME, `sethostname "${spec.hostname}"`, { s: [spec.hostname!] }));
  if (spec.domainname) b.at("domainname", () => b.op(Op.SETDOMAINNAME, `setdomainname "${spec.domainname}"`, { s: [spec.domainname!] }));
  for (const [k, v] of Object.entries(spec.linux?.sysctl ?? {})) {
    if (!/^[A-Za-z0-9_.\/-]+$/.test(k) || k.split(/[./]/).includes("..")) throw new SpecError(`linux.sysctl.${k}`, "invalid sysctl name");
    b.at(`linux.sysctl[${JSON.stringify(k)}]`, () => b.op(Op.SYSCTL, `sysctl "${k}"`, { s: [k, v] }));
  }
  // a: the filesystem the path's parent must be on when a proc/sysfs mount covers it (kernel-fs.ts)
  (spec.linux?.readonlyPaths ?? []).forEach((path, i) => b.at(`linux.readonlyPaths[${i}]`, () => b.op(Op.READONLY_PATH, `readonly path "${path}"`, { a: maskedPathFs(spec, path), s: [path] })));
  (spec.linux?.maskedPaths ?? []).forEach((path, i) => b.at(`linux.maskedPaths[${i}]`, () => b.op(Op.MASK_PATH, `mask path "${path}"`, { a: maskedPathFs(spec, path), s: [path] })));
  if (p) {
    planProcess(b, spec, { gateOnStart: true, seccomp: opts.seccomp });
  } else {
    b.op(Op.REPORT_READY, "report ready");
    b.op(Op.WAIT_START, "wait for start");
  }
  return b.build();
}
