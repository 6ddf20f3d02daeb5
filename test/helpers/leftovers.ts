// What a container can leave on the host: cgroup dirs (v2 and every v1 hierarchy), mounts,
// processes (found by their root dir or cmdline), zombies, state entries. Shared by the
// fault, concurrency, fuzz and stress tests.
import { readdirSync, readFileSync, readlinkSync, existsSync, statSync } from "node:fs";
import { join, dirname } from "node:path";

import { containerCgroup, hierarchyKey } from "./cgpath.js";

export const CGROUP_ROOT = "/sys/fs/cgroup";

/** Every cgroup hierarchy mounted under /sys/fs/cgroup (v1 controllers, name=, unified). */
export function hierarchies(): string[] {
  return readdirSync(CGROUP_ROOT).map((d) => join(CGROUP_ROOT, d)).filter((d) => {
    try { return statSync(d).isDirectory() && !readlinkSafe(d); } catch { return false; }
  });
}

function readlinkSafe(p: string): string | undefined {
  try { return readlinkSync(p); } catch { return undefined; }
}

/** The hierarchies in which the absolute `cgroupPath` (e.g. /default/x) still exists. */
export function cgroupLeft(cgroupPath: string): string[] {
  return hierarchies().filter((h) => existsSync(join(h, cgroupPath)));
}

/** The hierarchies in which the cgroup of container `id` (placed by `cgroupsPath`, default empty) still exists. */
export function containerCgroupLeft(id: string, cgroupsPath = ""): string[] {
  return hierarchies().filter((h) => {
    const key = hierarchyKey(h);
    return key !== undefined && existsSync(join(h, containerCgroup(id, key, cgroupsPath)));
  });
}

/** Number of cgroup directories below `sub` in every hierarchy (recursive), optionally only names starting with `prefix`. */
export function countCgroups(sub = "/", prefix = ""): number {
  let n = 0;
  const walk = (d: string): void => {
    let ents;
    try { ents = readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of ents) if (e.isDirectory()) { if (e.name.startsWith(prefix)) n++; walk(join(d, e.name)); }
  };
  for (const h of hierarchies()) walk(join(h, sub));
  return n;
}

function pids(): number[] {
  return readdirSync("/proc").filter((p) => /^\d+$/.test(p)).map(Number);
}

/** The environment entry that marks a test's processes: put it in the bundle's process.env and tsrun's env. */
export const markEnv = (marker: string): string => `TSRUN_TEST_MARK=${marker}`;

/**
 * Processes whose root directory is or is under `marker`, with an argument that is or is under it
 * (a bundle dir, an id), or with markEnv(marker) in their environment. A pivoted container's root
 * reads as "/" and its args are the container's own: only the environment finds those.
 */
export function processesMatching(marker: string): number[] {
  const out: number[] = [];
  const mark = markEnv(marker);
  for (const p of pids()) {
    if (p === process.pid) continue;
    try {
      const root = readlinkSafe(`/proc/${p}/root`) ?? "";
      const cmd = readFileSync(`/proc/${p}/cmdline`, "utf8");
      const args = cmd.split("\0");
      if (root === marker || root.startsWith(`${marker}/`) || args.some((x) => x === marker || x.startsWith(`${marker}/`))) out.push(p);
      else if (readFileSync(`/proc/${p}/environ`, "utf8").split("\0").includes(mark)) out.push(p);
    } catch { /* gone */ }
  }
  return out;
}

/** Zombie processes on the host. */
export function zombies(): number {
  let n = 0;
  for (const p of pids()) {
    try {
      const s = readFileSync(`/proc/${p}/stat`, "utf8");
      if (s.slice(s.lastIndexOf(")") + 2, s.lastIndexOf(")") + 3) === "Z") n++;
    } catch { /* gone */ }
  }
  return n;
}

/** Host mounts (mountinfo lines) whose mount point is `under` or below it; all of them without `under`. */
export function mounts(under?: string): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter(Boolean)
    .filter((l) => under === undefined || ((p) => p === under || p.startsWith(`${under}/`))(l.split(" ")[4]));
}

/**
 * Host mounts (mountinfo lines) that concern `paths`: the mount point, the root inside its filesystem,
 * or the source is one of them or below one. A test compares these before and after, not the whole
 * table: other users mount and unmount on this host at the same time.
 */
export function mountsConcerning(paths: string[]): string[] {
  const hit = (p: string | undefined): boolean => !!p && paths.some((x) => p === x || p.startsWith(x.endsWith("/") ? x : `${x}/`));
  return readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter(Boolean).filter((l) => {
    const f = l.split(" ");
    const dash = f.indexOf("-");
    return hit(f[3]) || hit(f[4]) || (dash > 0 && hit(f[dash + 2]));
  });
}

/** mounts: those under the directory holding `root` (other users' mounts come and go) */
export interface Snapshot { cgroups: number; mounts: number; zombies: number; rootEntries: number }

export function snapshot(root: string, cgroupSub = "/", prefix = ""): Snapshot {
  return {
    cgroups: countCgroups(cgroupSub, prefix),
    mounts: mounts(dirname(root)).length,
    zombies: zombies(),
    rootEntries: existsSync(root) ? readdirSync(root).length : 0,
  };
}

/** /proc/<pid>/cgroup as a sorted list of lines ("" when the process is gone). */
export function cgroupsOf(pid: number): string {
  try { return readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n").filter(Boolean).sort().join("\n"); } catch { return ""; }
}

/** Of `pids`, those still alive and not in exactly the cgroups of `ref` (a container's init). */
export function outsideCgroupsOf(ref: number, pids: number[]): number[] {
  const want = cgroupsOf(ref);
  return pids.filter((p) => { const c = cgroupsOf(p); return c !== "" && c !== want; });
}
