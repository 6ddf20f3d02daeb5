/**
 * Would a process placed in these cgroups be frozen? Asked by create before it makes anything
 * (runc's "container's cgroup unexpectedly frozen"): the container's own directory when it
 * exists, else the nearest one above it that does, since a new cgroup starts as its parent is.
 * v1: freezer.state (a child of a frozen parent reads FROZEN too); v2: cgroup.events "frozen 1".
 */
import path from "node:path";
import { exists, readOptional } from "./cgfs.js";
import type { CgroupPaths } from "./manager.js";

/** The directory whose freezer says frozen, or undefined. */
export function frozenAt(paths: CgroupPaths): string | undefined {
  const v1 = paths.v1?.freezer;
  if (v1) {
    const d = nearest(v1);
    if (/^(FROZEN|FREEZING)$/.test((readOptional(path.join(d, "freezer.state")) ?? "").trim())) return d;
  }
  if (paths.v2) {
    const d = nearest(paths.v2);
    if (/^frozen 1$/m.test(readOptional(path.join(d, "cgroup.events")) ?? "")) return d;
  }
  return undefined;
}

function nearest(dir: string): string {
  let d = dir;
  while (!exists(d) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
}
