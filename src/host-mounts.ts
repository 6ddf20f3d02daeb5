/**
 * A container without a mount namespace makes its mounts in the host's (src/plan/no-mountns.ts),
 * all on a bind of the rootfs onto itself. create records which mounts sat at the rootfs path
 * before (`hostMounts` in the state); a failed create and delete detach whatever is stacked on
 * top of those, which takes every mount under it along. Nothing else on the host is touched.
 */
import { readFileSync, realpathSync } from "node:fs";
import { sysError } from "./errors.js";
import { unescapeMountField } from "./cgroup/mountinfo.js";
import type { Sys } from "./sys/types.js";

interface Entry { id: number; parent: number; mountpoint: string }

function entries(mountinfo: string): Entry[] {
  const out: Entry[] = [];
  for (const line of mountinfo.split("\n")) {
    const f = line.split(" ");
    if (f.length < 5) continue;
    out.push({ id: Number(f[0]), parent: Number(f[1]), mountpoint: unescapeMountField(f[4]) });
  }
  return out;
}

/** The ids of the mounts at `path`, the top of the stack (the one a lookup sees) last. */
export function mountsAt(mountinfo: string, path: string): number[] {
  const at = entries(mountinfo).filter((e) => e.mountpoint === path);
  const top = at.find((e) => !at.some((o) => o.parent === e.id));
  return [...at.filter((e) => e !== top).map((e) => e.id), ...(top ? [top.id] : [])];
}

function idsAt(path: string): number[] {
  return mountsAt(readFileSync("/proc/self/mountinfo", "utf8"), path);
}

/** What create records: the rootfs as mountinfo names it (symlinks resolved) and the mounts there now. */
export function hostMountsBefore(rootfs: string): { path: string; base: number[] } {
  let path: string;
  try { path = realpathSync(rootfs); } catch (e) { throw sysError("realpath", rootfs, e); }
  return { path, base: idsAt(path) };
}

/** Detach the mounts at the rootfs that were not there at create. Returns how many. */
export function detachHostMounts(sys: Sys, { path, base }: { path: string; base: readonly number[] }): number {
  let n = 0;
  for (let i = 0; i < 16; i++) {
    const at = idsAt(path);
    const top = at[at.length - 1];
    if (top === undefined || base.includes(top)) break;
    sys.detachMount(path);
    n++;
  }
  return n;
}
