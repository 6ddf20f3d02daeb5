/** The host side of src/plan/cgroup-mount.ts: reads the cgroup mounts (I/O at the edge). */
import { readFileSync } from "node:fs";
import type { Spec } from "../spec/schema.js";
import { parseMountinfo } from "../cgroup/mountinfo.js";
import { cgroupHierarchies, type CgroupHierarchy } from "./cgroup-mount.js";

/**
 * Hierarchies for a `cgroup` mount of this spec on a v1/hybrid host; undefined when there is none
 * or the host is pure cgroup2. A rootless container without any cgroup gets an empty list: the
 * mount is then an empty tmpfs, where cgroup2 could not be mounted without a cgroup namespace.
 */
export function cgroupMountView(spec: Spec, paths: { v2?: string; v1?: Record<string, string> }): CgroupHierarchy[] | undefined {
  if (!(spec.mounts ?? []).some((m) => m.type === "cgroup")) return undefined;
  let text = "";
  try { text = readFileSync("/proc/self/mountinfo", "utf8"); } catch { return undefined; }
  const mounts = parseMountinfo(text);
  return mounts.v1.size === 0 ? undefined : cgroupHierarchies(mounts, paths);
}
