/**
 * Where a container's cgroup goes: linux.cgroupsPath resolved in each hierarchy found in
 * mountinfo. Pure functions of their inputs. As runc's cgroupfs driver:
 *
 * - An absolute cgroupsPath (`/default/c1`, containerd's `/<namespace>/<id>`) is relative
 *   to the root of each hierarchy.
 * - A relative one is nested under the caller's own cgroup (/proc/self/cgroup), so the
 *   caller's limits hold for the container: in each v1 hierarchy below the caller's cgroup
 *   there, in cgroup2 below the parent of the caller's cgroup (the caller's own cgroup holds
 *   a process, the caller, and cgroup2 enables no controller below a cgroup with processes).
 * - An empty cgroupsPath is the container id, relative.
 * - `..` components are refused: the path must stay inside the hierarchy.
 */
import path from "node:path";
import { TsrunError } from "../errors.js";
import type { CgroupMount, CgroupMounts } from "./mountinfo.js";

export interface ResolvedPaths {
  v2?: { dir: string; mountpoint: string };
  /** controller (or "name=…") -> dir and mount point */
  v1: Record<string, { dir: string; mountpoint: string }>;
}

/** /proc/self/cgroup -> hierarchy key ("" for cgroup2, else each controller) -> path. */
export function parseProcCgroup(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split("\n")) {
    const first = line.indexOf(":");
    const second = line.indexOf(":", first + 1);
    if (first < 0 || second < 0) continue;
    const ctrls = line.slice(first + 1, second);
    const p = line.slice(second + 1);
    if (ctrls === "") m.set("", p);
    else for (const c of ctrls.split(",")) m.set(c, p);
  }
  return m;
}

/** Validate cgroupsPath (or build the default) and return it normalized. */
export function innerPath(cgroupsPath: string | undefined, id: string): string {
  if (cgroupsPath === undefined || cgroupsPath === "") {
    if (!/^[A-Za-z0-9_+.-]+$/.test(id) || id === "." || id === "..") {
      throw new TsrunError(`cgroup: invalid container id "${id}"`);
    }
    return id;
  }
  // checked first, so that no message quotes a huge value; cgroupfs names are NAME_MAX bytes at most
  if (Buffer.byteLength(cgroupsPath) > 4095 || cgroupsPath.split("/").some((c) => Buffer.byteLength(c) > 255)) {
    throw new TsrunError("config.json: linux.cgroupsPath: too long (a component over 255 bytes or over 4095 in all): ENAMETOOLONG", "ENAMETOOLONG");
  }
  if (cgroupsPath.split("/").includes("..")) {
    throw new TsrunError(`config.json: linux.cgroupsPath: ".." is not allowed ("${cgroupsPath}")`);
  }
  if (cgroupsPath.includes("\0")) throw new TsrunError("config.json: linux.cgroupsPath: contains a NUL byte");
  const norm = path.posix.normalize(cgroupsPath);
  const stripped = norm.replace(/\/+$/, "");
  if (stripped === "" || stripped === "/" || stripped === ".") {
    throw new TsrunError(`config.json: linux.cgroupsPath: "${cgroupsPath}" names the hierarchy root`);
  }
  return stripped;
}

/**
 * The caller's cgroup `own` (as /proc/self/cgroup shows it) relative to the root of the mount
 * whose root is `mountRoot` (not "/" inside a container without a cgroup namespace).
 */
export function ownInMount(own: string, mountRoot: string): string {
  const rel = path.posix.relative(mountRoot, own);
  if (rel === ".." || rel.startsWith("../") || path.posix.isAbsolute(rel)) {
    throw new TsrunError(`cgroup: own cgroup "${own}" (/proc/self/cgroup) is outside the mount's root "${mountRoot}"`);
  }
  return `/${rel}`;
}

/**
 * Resolve `inner` in every hierarchy. `fsRoot` (tests) is prefixed to every mount point;
 * `self` is /proc/self/cgroup, used for relative paths only.
 */
export function resolvePaths(mounts: CgroupMounts, inner: string, self: Map<string, string>, fsRoot = ""): ResolvedPaths {
  const at = (m: CgroupMount, key: string): { dir: string; mountpoint: string } => {
    const mnt = path.join(fsRoot || "/", m.mountpoint);
    let base = "/";
    if (!inner.startsWith("/")) {
      const own = ownInMount(self.get(key) ?? m.root, m.root);
      base = key === "" ? path.posix.dirname(own) : own;
    }
    const dir = path.join(mnt, base, inner);
    if (dir === mnt || !dir.startsWith(mnt.endsWith("/") ? mnt : mnt + "/")) {
      throw new TsrunError(`config.json: linux.cgroupsPath: "${inner}" resolves outside \`${mnt}\``);
    }
    return { dir, mountpoint: mnt };
  };
  const out: ResolvedPaths = { v1: {} };
  if (mounts.v2) out.v2 = at(mounts.v2, "");
  for (const [c, m] of mounts.v1) out.v1[c] = at(m, c);
  return out;
}
