/**
 * Finding the cgroup hierarchies from /proc/self/mountinfo text (pure; unit-tested).
 *
 * Line format (proc(5)):
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   (1)(2)(3)   (4)   (5)      (6)      (7...)  - (8)  (9)       (10)
 * (4) is the root of the mount inside its filesystem, (5) the mount point, and after the
 * "-" separator come the fs type, the source and the super options. For a v1 cgroup mount
 * the super options name the controllers bound to it ("rw,cpu,cpuacct", "rw,name=systemd").
 */

/** v1 controllers the kernel knows; any other super option is a mount flag. */
export const V1_CONTROLLERS = new Set([
  "cpuset", "cpu", "cpuacct", "memory", "devices", "freezer", "net_cls", "blkio",
  "perf_event", "net_prio", "hugetlb", "pids", "rdma", "misc", "debug",
]);

export interface CgroupMount {
  /** absolute mount point, escapes decoded */
  mountpoint: string;
  /** the root of this mount inside the hierarchy ("/" unless bind-mounted or in a cgroupns) */
  root: string;
}

export interface V1Mount extends CgroupMount {
  /** everything bound to this hierarchy, e.g. ["cpu", "cpuacct"] or ["name=systemd"] */
  controllers: string[];
}

export interface CgroupMounts {
  /** the cgroup2 mount: /sys/fs/cgroup on a pure v2 host, /sys/fs/cgroup/unified on hybrid */
  v2?: CgroupMount;
  /** each v1 controller (or "name=..." hierarchy) to its mount; co-mounted ones share an entry */
  v1: Map<string, V1Mount>;
}

/** Decode the octal escapes mountinfo uses for space, tab, newline and backslash. */
export function unescapeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseMountinfo(text: string): CgroupMounts {
  const out: CgroupMounts = { v1: new Map() };
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const fields = line.split(" ");
    const sep = fields.indexOf("-", 6);
    if (sep < 0 || fields.length < sep + 4) continue;
    const fstype = fields[sep + 1];
    const superOpts = fields[sep + 3];
    const mount: CgroupMount = { root: unescapeMountField(fields[3]), mountpoint: unescapeMountField(fields[4]) };
    if (fstype === "cgroup2") {
      // The first cgroup2 mount wins; later ones are usually bind mounts of it.
      out.v2 ??= mount;
    } else if (fstype === "cgroup") {
      const controllers = superOpts.split(",").filter((o) => V1_CONTROLLERS.has(o) || o.startsWith("name="));
      if (controllers.length === 0) continue;
      const m: V1Mount = { ...mount, controllers };
      for (const c of controllers) if (!out.v1.has(c)) out.v1.set(c, m);
    }
  }
  return out;
}

/** "unified" (cgroup2 only), "hybrid" (both) or "legacy" (v1 only); "none" when nothing is mounted. */
export function cgroupMode(m: CgroupMounts): "unified" | "hybrid" | "legacy" | "none" {
  const hasV1 = [...m.v1.keys()].some((c) => !c.startsWith("name="));
  if (m.v2 && !hasV1) return "unified";
  if (m.v2 && hasV1) return "hybrid";
  return hasV1 ? "legacy" : "none";
}
