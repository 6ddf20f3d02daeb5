/** tsrun update [flags | -r FILE | -r -] ID: change a live container's cgroup limits (runc's flags). */
import type { Runtime, LinuxResources } from "../lib/index.js";
import { readResources, resourcesFromFlags, type UpdateFlags } from "../lib/input.js";

export default async function update(rt: Runtime, id: string, flags: UpdateFlags): Promise<number> {
  // Parse everything before touching the container: bad input changes nothing.
  let upd: LinuxResources;
  if (flags.resources) upd = readResources(flags.resources);
  else {
    const r = resourcesFromFlags(flags);
    for (const w of r.warnings) rt.log.warn(w);
    upd = r.res;
  }
  await rt.container(id).update(upd);
  return 0;
}
