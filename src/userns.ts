/** uid/gid maps for a new user namespace, written by the parent while the child waits. */
import { writeFileSync } from "node:fs";
import { sysError } from "./errors.js";
import type { Spec } from "./spec/schema.js";

type IdMap = { containerID: number; hostID: number; size: number };

export function mapText(maps: IdMap[]): string {
  return maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join("");
}

export function writeIdMaps(pid: number, spec: Spec): void {
  const write = (file: string, text: string): void => {
    const path = `/proc/${pid}/${file}`;
    try { writeFileSync(path, text); } catch (e) { throw sysError("write", path, e); }
  };
  const uid = spec.linux?.uidMappings ?? [];
  const gid = spec.linux?.gidMappings ?? [];
  if (uid.length) write("uid_map", mapText(uid));
  if (gid.length) write("gid_map", mapText(gid));
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
