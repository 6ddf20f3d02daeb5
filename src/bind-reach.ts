/**
 * Bind sources that the root of a container with a user namespace of its own cannot reach. init
 * opens a bind source after it entered that namespace, as the mapped ids, so a source under a
 * directory those ids cannot search fails with EACCES (runc opens them before). Such a mount is
 * made by the runtime's host-side helper instead, as an idmapped mount is (src/plan/compile.ts).
 * The answer is worked out from the mode bits: a wrong "reachable" fails as it did before, a wrong
 * "unreachable" only costs the helper.
 */
import * as fs from "node:fs";
import { dirname } from "node:path";
import type { Spec } from "./spec/schema.js";
import type { HostView } from "./plan/compile.js";
import { hostRootIds } from "./userns.js";

export interface Owner { uid: number; gid: number; mode: number }

/**
 * May host ids `ids` search every directory of `dirs`? Capabilities count only over a directory whose
 * owner and group both map into the container's namespace (`mapped`), as the kernel counts them.
 */
export function searchable(dirs: readonly Owner[], ids: { uid: number; gid: number }, mapped: (uid: number, gid: number) => boolean): boolean {
  return dirs.every((d) => {
    if (mapped(d.uid, d.gid)) return true;
    const bits = d.uid === ids.uid ? d.mode >> 6 : d.gid === ids.gid ? d.mode >> 3 : d.mode;
    return (bits & 1) !== 0;
  });
}

/** For a container that makes its own user namespace: `src` → true when its root cannot reach it. */
export function unreachableInUserns(spec: Spec): ((src: string) => boolean) | undefined {
  const userns = spec.linux?.namespaces?.find((n) => n.type === "user");
  const ids = hostRootIds(spec);
  if (!userns || userns.path || !ids) return undefined;
  const has = (maps: { hostID: number; size: number }[] | undefined, id: number): boolean =>
    (maps ?? []).some((m) => id >= m.hostID && id < m.hostID + m.size);
  const mapped = (uid: number, gid: number): boolean => has(spec.linux?.uidMappings, uid) && has(spec.linux?.gidMappings, gid);
  return (src) => {
    const dirs: Owner[] = [];
    try {
      for (let d = dirname(fs.realpathSync(src)); ; d = dirname(d)) {
        const st = fs.statSync(d);
        dirs.push({ uid: st.uid, gid: st.gid, mode: st.mode });
        if (d === "/") break;
      }
    } catch {
      return false;                                 // missing: compile says so in its own words
    }
    return !searchable(dirs, ids, mapped);
  };
}

/** The host as the plan compiler sees it, for create and for explain alike: bind sources' kinds, and which the container's root cannot reach. */
export function hostView(spec: Spec): HostView {
  return {
    sourceKind: (p) => { try { return fs.statSync(p).isDirectory() ? "dir" : "file"; } catch { return undefined; } },
    unreachable: unreachableInUserns(spec),        // such binds are made from the host
  };
}
