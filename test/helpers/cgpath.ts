// Where a container's cgroup is, worked out from the caller's side, the way runc's cgroupfs
// driver places it: an absolute linux.cgroupsPath from each hierarchy's root; a relative one
// (an empty one is the id) under the caller's own cgroup in each v1 hierarchy, and under the
// parent of the caller's cgroup in cgroup2. The tests' processes run tsrun, so "the caller"
// is this process. Mount roots are "/" on the test host and in the qemu guest.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { V1_CONTROLLERS } from "../../src/cgroup/mountinfo.js";

export const CGROUP_ROOT = "/sys/fs/cgroup";

/** /proc/<pid>/cgroup: hierarchy key ("" for cgroup2, else each controller or name=…) -> path. */
export function ownCgroups(pid: number | "self" = "self"): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n")) {
    const [, ctrls, p] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (p === undefined) continue;
    for (const c of ctrls === "" ? [""] : ctrls.split(",")) m.set(c, p);
  }
  return m;
}

/** The container's cgroup inside hierarchy `key` ("" = cgroup2), as a path from that hierarchy's root. */
export function containerCgroup(id: string, key: string, cgroupsPath = ""): string {
  const inner = cgroupsPath || id;
  if (inner.startsWith("/")) return inner;
  const own = ownCgroups().get(key) ?? "/";
  return join(key === "" ? dirname(own) : own, inner);
}

/** The hierarchy key of a cgroup mount point, from /proc/self/mountinfo; undefined if it is none. */
export function hierarchyKey(mountpoint: string): string | undefined {
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const f = line.split(" ");
    const sep = f.indexOf("-", 6);
    if (sep < 0 || f[4] !== mountpoint) continue;
    if (f[sep + 1] === "cgroup2") return "";
    if (f[sep + 1] === "cgroup") return f[sep + 3].split(",").find((o) => V1_CONTROLLERS.has(o) || o.startsWith("name="));
  }
  return undefined;
}

/** The container's cgroup directory under the mount point `mountpoint` (e.g. /sys/fs/cgroup/pids). */
export function containerCgroupDir(mountpoint: string, id: string, cgroupsPath = ""): string {
  const key = hierarchyKey(mountpoint);
  if (key === undefined) throw new Error(`${mountpoint} is not a cgroup mount point`);
  return join(mountpoint, containerCgroup(id, key, cgroupsPath));
}
