/**
 * Id maps written without privileges. The kernel lets an unprivileged parent write a child's
 * uid_map/gid_map only with one line mapping its own (effective) id, and gid_map only after
 * "deny" went into the child's setgroups. Every other map goes through the setuid helpers
 * newuidmap/newgidmap (Debian's `uidmap`), which allow the ranges /etc/subuid and /etc/subgid
 * give the user, as runc does: the direct write first, the helper when the kernel refuses.
 */
import { TsrunError } from "./errors.js";
import { findOnPath } from "./which.js";
import type { IdMap } from "./userns.js";

type Write = (file: "uid_map" | "gid_map" | "setgroups", text: string) => void;

const own = (maps: IdMap[], id: number): boolean => maps.length === 1 && maps[0].hostID === id && maps[0].size === 1;

/** `newuidmap`, found on PATH (absolute entries only), or undefined. */
export function findTool(name: string, path = process.env.PATH): string | undefined {
  return findOnPath(name, path);
}

/** The argv newuidmap/newgidmap take: the pid, then containerID hostID size for each line. */
export function toolArgs(pid: number, maps: IdMap[]): string[] {
  return [String(pid), ...maps.flatMap((m) => [String(m.containerID), String(m.hostID), String(m.size)])];
}

function runTool(name: "newuidmap" | "newgidmap", pid: number, maps: IdMap[]): void {
  const file = name === "newuidmap" ? "/etc/subuid" : "/etc/subgid";
  const tool = findTool(name);
  if (!tool) {
    throw new TsrunError(`rootless: ${name} not found (install the uidmap package): it is needed to map more than the caller's own ${name === "newuidmap" ? "uid" : "gid"}`);
  }
  const r = process.getBuiltinModule("node:child_process").spawnSync(tool, toolArgs(pid, maps), { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (r.error) throw new TsrunError(`rootless: run ${tool}: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`);
  if (r.status !== 0) {
    const why = (r.stderr || r.stdout || "").trim().split("\n").pop()?.replace(/^[^:]*newu?g?idmap: /, "") || `exit status ${r.status ?? r.signal}`;
    throw new TsrunError(`rootless: ${name} ${pid} failed: ${why} (the ranges come from ${file})`);
  }
}

/** `ids` and `tool` are the caller's effective ids and the helper runner (a test passes its own). */
export function writeMapsUnprivileged(pid: number, uid: IdMap[], gid: IdMap[], write: Write,
  ids = { euid: process.geteuid!(), egid: process.getegid!() }, tool: typeof runTool = runTool): void {
  if (uid.length) {
    if (own(uid, ids.euid)) write("uid_map", `${uid[0].containerID} ${ids.euid} 1\n`);
    else tool("newuidmap", pid, uid);
  }
  if (gid.length) {
    if (own(gid, ids.egid)) {
      write("setgroups", "deny");                // the kernel's condition for an unprivileged gid_map
      write("gid_map", `${gid[0].containerID} ${ids.egid} 1\n`);
    } else tool("newgidmap", pid, gid);
  }
}
