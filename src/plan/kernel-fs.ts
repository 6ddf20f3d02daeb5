/**
 * Kernel filesystems in the rootfs (issue 13). The image owns every path in the rootfs, so a
 * symlink there could move proc, sysfs or a cgroup mount somewhere else (runc's "filesystem
 * proc must be mounted on ordinary directory"), and a masked or read-only path would then be
 * skipped as missing. Two rules, enforced by the executor at mount time (native/mountcheck.c),
 * against the tree as it is then (after the mounts before it, which can hide a symlink):
 *   - the mount point of proc, sysfs, cgroup and cgroup2 (and of the tmpfs and binds that stand
 *     for a v1 `cgroup` mount) is reached without a symlink at any component, every component a
 *     directory (missing ones are made as directories): OPF_CHECK_PROCFS;
 *   - a masked or read-only path under a proc or sysfs mount of the config has a parent reached
 *     without symlinks, on that filesystem (statfs magic in op.a); only the last component (or
 *     a component below a directory already on that filesystem) may be missing.
 * This module says which ops get which check, and turns the executor's refusal into one line.
 */
import { posix } from "node:path";
import type { Spec } from "../spec/schema.js";

/** statfs f_type of the filesystems whose masked paths are checked */
export const FS_MAGIC = { proc: 0x9fa0, sysfs: 0x62656572 } as const;

/** A mount whose mount point must be an ordinary directory: its config index and filesystem. */
export interface MountPointCheck { mount: number; fs: string }

const KERNEL_FS = new Set(["proc", "sysfs", "cgroup", "cgroup2"]);

/** Whether a (non-bind) mount of this type gets OPF_CHECK_PROCFS. */
export function isKernelFs(type: string | undefined): boolean {
  return type !== undefined && KERNEL_FS.has(type);
}

const clean = (p: string): string => {
  const n = posix.normalize("/" + p);
  return n === "/" ? "/" : n.replace(/\/+$/, "");
};

/**
 * The statfs magic the parent of a masked or read-only path must be on: that of the config's
 * proc or sysfs mount covering the path (the last such mount with the longest destination that
 * is a proper prefix), or 0 when no proc/sysfs mount covers it (then the path is an ordinary
 * one of the image, and a missing one is skipped as before).
 */
export function maskedPathFs(spec: Spec, path: string): number {
  const p = clean(path);
  let best = -1;
  let magic = 0;
  for (const m of spec.mounts ?? []) {
    const d = clean(m.destination);
    const under = d === "/" ? p !== "/" : p.startsWith(d + "/");
    if (!under || d.length < best) continue;
    const bind = m.type === "bind" || (m.options ?? []).some((o) => o === "bind" || o === "rbind");
    best = d.length;
    magic = !bind && (m.type === "proc" || m.type === "sysfs") ? FS_MAGIC[m.type] : 0;
  }
  return magic;
}

/** What an executor refusal of a checked mount point means (src/plan/failure.ts adds the errno), or undefined for other failures. */
export function mountPointFailure(c: MountPointCheck, errno: string, text: string): string | undefined {
  if (errno !== "ELOOP" && errno !== "ENOTDIR") return undefined;
  const why = text ? `: ${text}` : "";
  return `config.json: mounts[${c.mount}]: filesystem ${c.fs} must be mounted on ordinary directory${why}`;
}
