/**
 * A container without a mount namespace makes its mounts in the host's (src/plan/no-mountns.ts),
 * all on a bind of its rootfs onto `rootfs/` in its own state directory: nobody else mounts
 * there, so a failed create and delete detach whatever is at that directory, which takes every
 * mount under it along. Two containers that share a rootfs never touch each other's mounts, and
 * no mount id is remembered (the kernel reuses them). Nothing else on the host is touched.
 */
import { readFileSync, realpathSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { sysError } from "./errors.js";
import { unescapeMountField } from "./cgroup/mountinfo.js";
import type { Sys } from "./sys/types.js";

/** The directory in a container's state dir its rootfs is bound onto when it has no mount namespace. */
export function mountPointIn(stateDir: string): string {
  return join(stateDir, "rootfs");
}

/** How many mounts mountinfo lists at `path` (mount points are compared with escapes decoded). */
export function mountsAt(mountinfo: string, path: string): number {
  let n = 0;
  for (const line of mountinfo.split("\n")) {
    const mp = line.split(" ")[4];
    if (mp !== undefined && unescapeMountField(mp) === path) n++;
  }
  return n;
}

/**
 * Detach every mount at the container's mount point and remove the (then empty) directory. It is
 * removed with rmdir only: were anything still mounted there, the removal fails instead of
 * descending into the host's rootfs. Returns how many mounts were detached.
 */
export function detachContainerRoot(sys: Sys, stateDir: string): number {
  const dir = mountPointIn(stateDir);
  let path: string;
  try { path = realpathSync(dir); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw sysError("realpath", dir, e);
  }
  let n = 0;
  while (n < 64 && mountsAt(readFileSync("/proc/self/mountinfo", "utf8"), path) > 0) {
    sys.detachMount(path);
    n++;
  }
  try { rmdirSync(path); } catch (e) { throw sysError("rmdir", path, e); }
  return n;
}
