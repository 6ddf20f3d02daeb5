/**
 * Cgroups without privileges, as runc's rootless cgroup manager: each hierarchy the container
 * would use is kept when tsrun may write there (a delegated cgroup2 subtree, a v1 directory
 * chowned to the user) and dropped when it may not and nothing in linux.resources needs it.
 * A limit that needs a hierarchy tsrun cannot write is one error naming that cgroup. Device
 * rules are left to the user namespace (the kernel refuses them to an unprivileged caller).
 * What was dropped is not in the container's state: ps, kill and delete then follow its
 * processes instead (./process-tree.ts), and pause says there is no cgroup.
 */
import path from "node:path";
import { TsrunError } from "../errors.js";
import type { LinuxResources } from "./types.js";
import type { ResolvedPaths } from "./paths.js";

/** The v1 controllers and whether cgroup2 is needed for `res` (devices excluded). */
export function neededHierarchies(res: LinuxResources | undefined, v1: Set<string>): { v1: Map<string, string>; v2?: string } {
  const r = res ?? {};
  const need = new Map<string, string>();          // controller -> what asks for it
  let v2: string | undefined;
  const ask = (what: string, c1: string | undefined, onV2: boolean): void => {
    if (c1 && v1.has(c1)) need.set(c1, what);
    else if (onV2) v2 ??= what;
  };
  if (r.pids?.limit !== undefined) ask("pids", "pids", true);
  if (r.memory && Object.values(r.memory).some((v) => v !== undefined && v !== null)) ask("memory", "memory", true);
  if (r.blockIO && Object.keys(r.blockIO).length) ask("blkio", "blkio", true);
  const cpu = r.cpu ?? {};
  if (["shares", "quota", "period", "realtimeRuntime", "realtimePeriod", "burst", "idle"].some((k) => (cpu as Record<string, unknown>)[k] !== undefined && (cpu as Record<string, unknown>)[k] !== null)) ask("cpu", "cpu", true);
  if (cpu.cpus || cpu.mems) ask("cpuset", "cpuset", true);
  if (r.hugepageLimits?.length) ask("hugetlb", "hugetlb", true);
  if (r.rdma && Object.keys(r.rdma).length) ask("rdma", "rdma", true);
  if (r.network?.classID) ask("net_cls", "net_cls", false);
  if (r.network?.priorities?.length) ask("net_prio", "net_prio", false);
  if (r.unified && Object.keys(r.unified).length) v2 ??= "unified";
  return { v1: need, v2 };
}

/**
 * Why this unprivileged caller cannot make (or join) `dir`, or undefined when it can: the
 * directory, or its nearest existing parent, must be writable. `access` is fs.accessSync's shape.
 */
export function cgroupRefusal(dir: string, access: (p: string) => string | undefined): string | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    const why = access(d);
    if (why !== "ENOENT") return why === undefined && d === dir ? access(path.join(d, "cgroup.procs")) : why;
    if (d === "/" || d === path.dirname(d)) return "ENOENT";
  }
}

/** The resolved hierarchies this rootless container uses; throws for a limit it cannot set. */
export function rootlessPaths(r: ResolvedPaths, res: LinuxResources | undefined, access: (p: string) => string | undefined,
  skipped: (dir: string, why: string) => void = () => {}): ResolvedPaths {
  const need = neededHierarchies(res, new Set(Object.keys(r.v1)));
  const out: ResolvedPaths = { v1: {} };
  const refuse = (what: string, dir: string, why: string): TsrunError =>
    new TsrunError(`cannot set ${what} limit: container could not join or create cgroup \`${dir}\`: ${why} (rootless: the cgroup must be delegated to the user)`, why);
  if (r.v2) {
    const why = cgroupRefusal(r.v2.dir, access);
    if (!why) out.v2 = r.v2;
    else if (need.v2) throw refuse(need.v2, r.v2.dir, why);
    else skipped(r.v2.dir, why);
  } else if (need.v2) {
    throw new TsrunError(`cannot set ${need.v2} limit: no cgroup2 hierarchy for it`);
  }
  const verdict = new Map<string, string | undefined>();   // co-mounted controllers share a directory
  for (const [c, p] of Object.entries(r.v1)) {
    if (c === "devices") continue;
    const seen = verdict.has(p.dir);
    if (!seen) verdict.set(p.dir, cgroupRefusal(p.dir, access));
    const why = verdict.get(p.dir);
    if (!why) out.v1[c] = p;
    else if (need.v1.has(c)) throw refuse(need.v1.get(c)!, p.dir, why);
    else if (!seen) skipped(p.dir, why);
  }
  return out;
}

/** Without privileges the device cgroup is never written: the user namespace bounds device access. */
export function withoutDevices(res: LinuxResources | undefined): LinuxResources | undefined {
  if (!res || res.devices === undefined) return res;
  const { devices: _d, ...rest } = res;
  return rest;
}
