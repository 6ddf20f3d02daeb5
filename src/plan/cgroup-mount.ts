/**
 * A `type: cgroup` mount on a cgroup v1 or hybrid host (podman's and docker's configs have one at
 * /sys/fs/cgroup). Mounting cgroup2 there would show the host's whole unified tree and none of the
 * v1 controllers, so, as runc does on such hosts, tsrun builds the v1 layout from the container's
 * own cgroups:
 *   tmpfs on the destination (mode 755, the mount's nosuid/noexec/nodev),
 *   each hierarchy's directory of the container bind-mounted at <dest>/<hierarchy name>
 *     (cpu, memory, pids, systemd, and unified for the cgroup2 part of a hybrid host),
 *   a symlink for each co-mounted controller (cpu -> cpu,cpuacct),
 *   then the tmpfs remounted read-only when the mount asks for "ro" (the binds are read-only too).
 * Like a cgroup mount itself, the tmpfs and every bind need an ordinary directory as mount point
 * (OPF_CHECK_PROCFS, src/plan/kernel-fs.ts): the tmpfs's is the image's, the binds' are made fresh
 * on that tmpfs, checked all the same.
 * The container sees its own limits at the usual paths (/sys/fs/cgroup/memory/memory.limit_in_bytes)
 * and nothing of the other containers' cgroups.
 */
import { posix } from "node:path";
import type { CgroupMounts } from "../cgroup/mountinfo.js";
import type { PlanBuilder } from "./builder.js";
import { Op, OpFlag } from "./ops.js";
import { MS, type ParsedMountOptions } from "./mount-options.js";

/** One hierarchy to show under the cgroup mount. */
export interface CgroupHierarchy {
  /** the directory name under the mount point, e.g. "cpu,cpuacct", "systemd", "unified" */
  name: string;
  /** the container's cgroup in that hierarchy, on the host */
  source: string;
  /** names of co-mounted controllers that get a symlink to `name` */
  links: string[];
}

/**
 * The hierarchies of a v1/hybrid host, from its cgroup mounts and the container's cgroup dirs
 * (CgroupPaths). Empty on a pure cgroup v2 host (there a cgroup mount stays cgroup2).
 */
export function cgroupHierarchies(mounts: CgroupMounts, paths: { v2?: string; v1?: Record<string, string> }): CgroupHierarchy[] {
  if (mounts.v1.size === 0) return [];
  const out: CgroupHierarchy[] = [];
  const seen = new Set<string>();
  for (const [controller, m] of mounts.v1) {
    if (seen.has(m.mountpoint)) continue;
    seen.add(m.mountpoint);
    const source = paths.v1?.[controller] ?? m.controllers.map((c) => paths.v1?.[c]).find(Boolean);
    if (!source) continue;
    const name = posix.basename(m.mountpoint);
    const links = m.controllers.filter((c) => !c.startsWith("name=") && c !== name);
    out.push({ name, source, links });
  }
  if (mounts.v2 && paths.v2) out.push({ name: posix.basename(mounts.v2.mountpoint), source: paths.v2, links: [] });
  // a name is a single path component; anything else (a mount point of "/") is left out
  return out.filter((h) => h.name && h.name !== "." && h.name !== ".." && !h.name.includes("/"));
}

/** The ops of a cgroup mount at `dest` (a path in the root) built from `hierarchies`. */
export function planCgroupV1Mount(b: PlanBuilder, dest: string, o: ParsedMountOptions, hierarchies: readonly CgroupHierarchy[], index: number): void {
  const ro = (o.flags & MS.RDONLY) !== 0;
  const keep = o.flags & (MS.NOSUID | MS.NOEXEC | MS.NODEV);
  const check = { mount: index, fs: "cgroup" };
  b.op(Op.MOUNT, `mount tmpfs for the cgroup v1 hierarchies on "${dest}"`, {
    flags: OpFlag.CHECK_PROCFS, a: keep, c: o.propagation, s: ["tmpfs", dest, "tmpfs", "mode=755"], check,
  });
  const names = new Set(hierarchies.map((h) => h.name));
  for (const h of hierarchies) {
    const at = posix.join(dest, h.name);
    b.op(Op.MOUNT, `bind mount cgroup "${h.source}" on "${at}"`, {
      flags: OpFlag.BIND | OpFlag.REMOUNT_BIND | OpFlag.CHECK_PROCFS, a: MS.BIND, b: keep | (ro ? MS.RDONLY : 0), c: o.propagation,
      s: [h.source, at, undefined, undefined], check,
    });
    for (const l of h.links) {
      if (names.has(l)) continue;
      names.add(l);
      b.op(Op.SYMLINK, `symlink "${posix.join(dest, l)}" -> "${h.name}"`, { s: [h.name, posix.join(dest, l)] });
    }
  }
  if (ro) b.op(Op.REMOUNT_RO, `remount "${dest}" read-only`, { s: [dest] });
}
