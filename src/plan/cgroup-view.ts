/** The host side of src/plan/cgroup-mount.ts: reads the cgroup mounts (I/O at the edge). */
import { readFileSync } from "node:fs";
import type { Spec } from "../spec/schema.js";
import { parseMountinfo } from "../cgroup/mountinfo.js";
import { cgroupHierarchies, type CgroupHierarchy } from "./cgroup-mount.js";

/** Hierarchies for a `cgroup` mount of this spec on a v1/hybrid host; undefined when there is none. */
export function cgroupMountView(spec: Spec, paths: { v2?: string; v1?: Record<string, string> }): CgroupHierarchy[] | undefined {
  if (!(spec.mounts ?? []).some((m) => m.type === "cgroup")) return undefined;
  let text = "";
  try { text = readFileSync("/proc/self/mountinfo", "utf8"); } catch { return undefined; }
  return cgroupHierarchies(parseMountinfo(text), paths);
}
