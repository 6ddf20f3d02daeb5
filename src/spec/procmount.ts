/**
 * Mounts on /proc may not uncover what maskedPaths hides (runc's checkProcMount): under
 * /proc only a fresh proc mount on /proc itself, a bind of a procfs root there, or binds
 * on the few files lxcfs emulates are allowed. The destination is resolved inside the
 * rootfs (symlinks included, never leaving it) before the check.
 */
import * as fs from "node:fs";
import { posix } from "node:path";
import { TsrunError } from "../errors.js";
import type { Spec } from "./schema.js";

const LXCFS_FILES = ["/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps", "/proc/uptime", "/proc/loadavg", "/proc/slabinfo", "/proc/net/dev", "/proc/sys/kernel/ns_last_pid"];
const PROC_SUPER_MAGIC = 0x9fa0;

/** `dest` as the container will see it: symlinks followed inside `rootfs`, ".." stopped at its root. */
export function resolveInRoot(rootfs: string, dest: string): string {
  const todo = dest.split("/").filter((p) => p !== "" && p !== ".");
  const done: string[] = [];
  for (let links = 0; todo.length > 0;) {
    const part = todo.shift()!;
    if (part === "..") { done.pop(); continue; }
    let target: string | undefined;
    try { target = fs.readlinkSync(posix.join(rootfs, ...done, part)); } catch { target = undefined; }
    if (target === undefined) { done.push(part); continue; }
    if (++links > 40) throw new TsrunError(`mount destination \`${dest}\`: too many levels of symbolic links: ELOOP`, "ELOOP");
    if (target.startsWith("/")) done.length = 0;
    todo.unshift(...target.split("/").filter((p) => p !== "" && p !== "."));
  }
  return "/" + done.join("/");
}

function isBind(m: { type?: string; options?: string[] }): boolean {
  return m.type === "bind" || (m.options ?? []).some((o) => o === "bind" || o === "rbind");
}

export function checkProcMounts(spec: Spec, rootfs: string, bundle: string): void {
  (spec.mounts ?? []).forEach((m, i) => {
    const dest = resolveInRoot(rootfs, m.destination);
    const where = `config.json: mounts[${i}]: "${m.destination}"`;
    if (dest !== "/proc" && !dest.startsWith("/proc/")) return;
    if (dest === "/proc") {
      if (!isBind(m) && m.type === "proc") return;
      if (isBind(m) && m.source) {
        const src = posix.resolve(bundle, m.source);
        let magic = 0, ino = 0;
        try { magic = Number(fs.statfsSync(src).type); ino = fs.statSync(src).ino; } catch { /* the mount reports it */ }
        if (magic === PROC_SUPER_MAGIC) {
          if (ino === 1) return;
          throw new TsrunError(`${where} cannot be mounted because its source is not the root of a procfs`);
        }
      }
      throw new TsrunError(`${where} cannot be mounted because it is not of type proc`);
    }
    if (LXCFS_FILES.includes(dest)) return;
    throw new TsrunError(`${where} cannot be mounted because it is inside /proc (resolved to ${dest})`);
  });
}
