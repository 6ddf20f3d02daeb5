/**
 * What criu must be told is outside the container (pure; unit-tested), as runc tells it:
 *  - every bind mount of the config is an external mount: dumped under its destination as the
 *    name, restored from the source the (new) config gives;
 *  - a masked path that is a file is /dev/null bound over it: dumped as the name "/dev/null",
 *    restored from the host's /dev/null;
 *  - a device that was bound from the host (a container with a user namespace cannot mknod) is
 *    dumped under its path and restored from the host's node;
 *  - a namespace joined by path (network, pid) is external: dumped by inode, restored by an fd of
 *    the namespace the new config names;
 *  - the container's stdio: a pipe is reconnected to the pipe restore is given, a file that is
 *    not on any of the container's mounts (the host's /dev/null, a log file) is external and
 *    restored from restore's own fd.
 * Only what the init's mountinfo shows as a mount point is named: criu refuses nothing else, but
 * a masked path the kernel lacks was never mounted.
 */
import { isAbsolute, resolve } from "node:path";
import type { Spec } from "../spec/schema.js";
import { unescapeMountField, type CgroupMounts } from "../cgroup/mountinfo.js";
import { TsrunError } from "../errors.js";

export interface MountEntry { id: number; mountpoint: string; root: string; fstype: string }

/** /proc/<pid>/mountinfo as the container sees it. */
export function parseMounts(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split("\n")) {
    const f = line.split(" ");
    const sep = f.indexOf("-", 6);
    if (sep < 0 || f.length < sep + 2) continue;
    out.push({ id: Number(f[0]), root: unescapeMountField(f[3]), mountpoint: unescapeMountField(f[4]), fstype: f[sep + 1] });
  }
  return out;
}

/** The name a masked file is dumped under, and the host file it is restored from. */
export const MASKED_FILE = "/dev/null";

const isBind = (m: { type?: string; options?: string[] }): boolean =>
  m.type === "bind" || !!m.options?.some((o) => o === "bind" || o === "rbind");

/** The paths of the default devices and linux.devices (bound from the host in a user namespace). */
function devicePaths(spec: Spec, defaults: readonly string[]): string[] {
  return [...defaults, ...(spec.linux?.devices ?? []).map((d) => d.path)];
}

const hasUserns = (spec: Spec): boolean => !!spec.linux?.namespaces?.some((n) => n.type === "user");

/** --external values for `criu dump`: bind mounts, masked files, bound devices, namespaces joined by path. */
export function dumpMountExternals(spec: Spec, mounts: readonly MountEntry[], defaultDevices: readonly string[]): string[] {
  const points = new Map(mounts.map((m) => [m.mountpoint, m]));
  const out: string[] = [];
  for (const m of spec.mounts ?? []) {
    if (isBind(m) && points.has(m.destination)) out.push(`mnt[${m.destination}]:${m.destination}`);
  }
  for (const p of spec.linux?.maskedPaths ?? []) {
    const m = points.get(p);
    // a masked directory is a read-only tmpfs, which criu dumps itself; a file is a bind of /dev/null
    if (m && (m.fstype !== "tmpfs" || m.root !== "/")) out.push(`mnt[${p}]:${MASKED_FILE}`);
  }
  if (hasUserns(spec)) {
    for (const d of devicePaths(spec, defaultDevices)) if (points.has(d) && !out.some((e) => e.startsWith(`mnt[${d}]`))) out.push(`mnt[${d}]:${d}`);
  }
  return out;
}

/** --external values for `criu restore`: each dumped name mapped to what this config and host give. */
export function restoreMountExternals(spec: Spec, bundle: string, defaultDevices: readonly string[]): string[] {
  const out: string[] = [];
  for (const m of spec.mounts ?? []) {
    if (!isBind(m)) continue;
    const src = m.source ?? "";
    out.push(`mnt[${m.destination}]:${isAbsolute(src) ? src : resolve(bundle, src)}`);
  }
  if (spec.linux?.maskedPaths?.length) out.push(`mnt[${MASKED_FILE}]:${MASKED_FILE}`);
  if (hasUserns(spec)) {
    for (const d of devicePaths(spec, defaultDevices)) if (!out.some((e) => e.startsWith(`mnt[${d}]`))) out.push(`mnt[${d}]:${d}`);
  }
  return out;
}

/** criu's names of the namespaces it can take as external, and the key tsrun gives each (runc's keys). */
export const EXTERNAL_NS: Readonly<Record<string, { criu: string; key: string }>> = {
  network: { criu: "net", key: "extRootNetNS" },
  pid: { criu: "pid", key: "extRootPidNS" },
};

/** The namespaces of the config that are joined by path; one criu cannot take is refused in one line. */
export function joinedNamespaces(spec: Spec, verb: string): Array<{ type: string; path: string }> {
  const out: Array<{ type: string; path: string }> = [];
  for (const n of spec.linux?.namespaces ?? []) {
    if (!n.path) continue;
    if (!EXTERNAL_NS[n.type]) {
      throw new TsrunError(`${verb}: the ${n.type} namespace joined by path (linux.namespaces: ${n.path}) cannot be checkpointed: criu takes only ${Object.keys(EXTERNAL_NS).join(" and ")} from outside`);
    }
    out.push({ type: n.type, path: n.path });
  }
  return out;
}

/** The dump's --external for a namespace joined by path, from its inode. */
export function nsExternal(type: string, inode: number): string {
  const x = EXTERNAL_NS[type];
  return `${x.criu}[${inode}]:${x.key}`;
}

/** runc's --empty-ns names → criu's; the network namespace is always empty (tsrun configures no network). */
export function emptyNamespaces(given: readonly string[] | undefined, verb: string): string[] {
  const out = new Set(["net"]);
  for (const ns of given ?? []) {
    if (ns !== "network") throw new TsrunError(`${verb}: --empty-ns: namespace "${ns}" is not supported (only network)`);
  }
  return [...out];
}

/** How the init's fds 0-2 were at the checkpoint: written to the image as descriptors.json. */
export interface Descriptor { fd: number; key: string }

/**
 * The key criu knows a stdio fd by: "pipe:[ino]" for a pipe (restore reconnects it with
 * --inherit-fd), "file[<mnt id hex>:<inode hex>]" for a file on a mount the container does not
 * have (dumped with --external); none for anything criu handles itself.
 */
export function stdioKey(link: string, mntId: number, inode: number, containerMountIds: ReadonlySet<number>): string | undefined {
  if (/^pipe:\[\d+\]$/.test(link)) return link;
  if (!link.startsWith("/") || containerMountIds.has(mntId)) return undefined;
  return `file[${mntId.toString(16)}:${inode.toString(16)}]`;
}

/** The --external values the stdio keys need at dump time (files; pipes need none). */
export function stdioExternals(ds: readonly Descriptor[]): string[] {
  return [...new Set(ds.filter((d) => d.key.startsWith("file[")).map((d) => d.key))];
}

/** Descriptors come back from the image: only well-formed entries for fds 0-2 are used. */
export function parseDescriptors(text: string): Descriptor[] {
  const v: unknown = JSON.parse(text);
  if (!Array.isArray(v)) throw new Error("not an array");
  return v.filter((d): d is Descriptor => typeof d?.fd === "number" && d.fd >= 0 && d.fd <= 2 && typeof d.key === "string"
    && /^(pipe:\[\d+\]|file\[[0-9a-f]+:[0-9a-f]+\])$/.test(d.key));
}

/**
 * criu's --cgroup-root values: the container's cgroup (made, with its limits, before criu runs)
 * as a path inside each hierarchy, so the restored tree lands in it whatever cgroup it was
 * dumped from. cgroup v2: "/path"; a v1 controller: "controller:/path".
 */
export function cgroupRoots(paths: { v2?: string; v1?: Record<string, string> }, mounts: CgroupMounts): string[] {
  const rel = (dir: string, mountpoint: string): string | undefined =>
    dir === mountpoint ? "/" : dir.startsWith(mountpoint + "/") ? dir.slice(mountpoint.length) : undefined;
  const out: string[] = [];
  if (paths.v2 && mounts.v2) {
    const r = rel(paths.v2, mounts.v2.mountpoint);
    if (r) out.push(r);
  }
  for (const [ctrl, dir] of Object.entries(paths.v1 ?? {})) {
    const m = mounts.v1.get(ctrl);
    const r = m && rel(dir, m.mountpoint);
    if (r && !ctrl.startsWith("name=")) out.push(`${ctrl}:${r}`);
  }
  return out;
}
