/** Validation of uid/gid mappings (linux.uidMappings/gidMappings and the mounts' ones). */
import { TsrunError } from "../errors.js";

type IdMap = { containerID: number; hostID: number; size: number };

export function checkIdMaps(maps: readonly IdMap[] | undefined, where: string): void {
  const list = maps ?? [];
  if (list.length > 340) throw new TsrunError(`config.json: ${where}: more than 340 ranges`);
  list.forEach((m, i) => {
    const at = `config.json: ${where}[${i}]`;
    for (const k of ["containerID", "hostID", "size"] as const) {
      if (!Number.isInteger(m[k]) || m[k] < 0 || m[k] > 0xffffffff) throw new TsrunError(`${at}.${k}: invalid id ${m[k]}`);
    }
    if (m.size === 0) throw new TsrunError(`${at}.size: must be at least 1`);
    if (m.containerID + m.size > 0x100000000 || m.hostID + m.size > 0x100000000) throw new TsrunError(`${at}: range goes past 2^32`);
    list.slice(0, i).forEach((o, j) => {
      if (m.containerID < o.containerID + o.size && o.containerID < m.containerID + m.size) {
        throw new TsrunError(`${at}: containerID range overlaps ${where}[${j}]`);
      }
    });
  });
}

import type { Spec, Mount } from "../spec/schema.js";

/** The maps an idmapped mount uses: its own, or with a bare `idmap`/`ridmap` the container's. */
export function idmapOf(spec: Spec, m: Mount, i: number): { uid: IdMap[]; gid: IdMap[] } | undefined {
  const opts = m.options ?? [];
  const asked = opts.includes("idmap") || opts.includes("ridmap") || !!m.uidMappings?.length || !!m.gidMappings?.length;
  if (!asked) return undefined;
  const uid = m.uidMappings?.length ? m.uidMappings : spec.linux?.uidMappings ?? [];
  const gid = m.gidMappings?.length ? m.gidMappings : spec.linux?.gidMappings ?? [];
  if (!uid.length || !gid.length) throw new TsrunError(`config.json: mounts[${i}]: an idmapped mount needs uidMappings and gidMappings (on the mount or in linux)`);
  checkIdMaps(uid, `mounts[${i}].uidMappings`);
  checkIdMaps(gid, `mounts[${i}].gidMappings`);
  return { uid, gid };
}
