/** uid/gid maps for a new user namespace, written by the parent while the child waits. */
import { writeFileSync } from "node:fs";
import { TsrunError, sysError } from "./errors.js";
import { writeMapsUnprivileged } from "./userns-tools.js";
import type { Spec } from "./spec/schema.js";

export type IdMap = { containerID: number; hostID: number; size: number };

/** runc's rootless checks on the config, for a caller without privileges (euid not 0), in its words. */
export function checkRootlessEuid(spec: Spec): void {
  const userns = (spec.linux?.namespaces ?? []).find((n) => n.type === "user");
  if (!userns) throw new TsrunError("rootless container requires user namespaces");
  if (userns.path) return;                        // joined: its maps are already written
  if (!spec.linux?.uidMappings?.length) throw new TsrunError("rootless containers requires at least one UID mapping");
  if (!spec.linux?.gidMappings?.length) throw new TsrunError("rootless containers requires at least one GID mapping");
  // uid=/gid= mount options must name ids the container has (devpts gid=5 of a rootful config does not)
  for (const m of spec.mounts ?? []) {
    for (const o of m.options ?? []) {
      const k = /^(uid|gid)=(\d+)$/.exec(o);
      if (!k) continue;
      const maps = k[1] === "uid" ? spec.linux.uidMappings : spec.linux.gidMappings;
      const id = Number(k[2]);
      if (!maps.some((x) => x.containerID <= id && id < x.containerID + x.size)) {
        throw new TsrunError(`cannot specify ${o} mount option for rootless container: ${k[1]} ${id} is not mapped in linux.${k[1]}Mappings`);
      }
    }
  }
}

export function mapText(maps: IdMap[]): string {
  return maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join("");
}

/**
 * The maps of a child in a new user namespace. Without privileges (euid not 0) the kernel
 * lets the caller map only its own ids, and only with setgroups denied: anything more goes
 * through newuidmap/newgidmap (src/userns-tools.ts), which check /etc/subuid and /etc/subgid.
 */
export function writeIdMaps(pid: number, spec: Spec, euid = process.geteuid!()): void {
  const write = (file: string, text: string): void => {
    const path = `/proc/${pid}/${file}`;
    try { writeFileSync(path, text); } catch (e) { throw sysError("write", path, e); }
  };
  const uid = spec.linux?.uidMappings ?? [];
  const gid = spec.linux?.gidMappings ?? [];
  if (euid !== 0) writeMapsUnprivileged(pid, uid, gid, write);
  else {
    if (uid.length) write("uid_map", mapText(uid));
    if (gid.length) write("gid_map", mapText(gid));
  }
  const t = spec.linux?.timeOffsets;
  if (t) {
    const line = (k: "monotonic" | "boottime"): string => (t[k] ? `${k} ${t[k]!.secs ?? 0} ${t[k]!.nanosecs ?? 0}\n` : "");
    const text = line("monotonic") + line("boottime");
    if (text) write("timens_offsets", text);
  }
}

/**
 * The host uid and gid that are root inside (runc's HostRootUID/GID): who gets the
 * foreground stdio pipes. Undefined without a user namespace mapping for 0.
 */
export function hostRootIds(spec: Spec): { uid: number; gid: number } | undefined {
  const root = (maps: IdMap[] | undefined): number | undefined => {
    const m = maps?.find((x) => x.containerID <= 0 && 0 < x.containerID + x.size);
    return m ? m.hostID - m.containerID : undefined;
  };
  const uid = root(spec.linux?.uidMappings), gid = root(spec.linux?.gidMappings);
  return uid === undefined || gid === undefined ? undefined : { uid, gid };
}
