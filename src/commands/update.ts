/** tsrun update [flags | -r FILE | -r -] ID: change a live container's cgroup limits (runc's flags). */
import fs from "node:fs";
import { TsrunError, sysError } from "../errors.js";
import type { Ctx } from "../context.js";
import { load } from "../container.js";
import { loadCgroupManager } from "../cgroup/manager.js";
import { planUpdate, resourcesFromFlags, resourcesFromJson, type UpdateFlags } from "../cgroup/update-args.js";
import type { LinuxResources } from "../cgroup/types.js";

function readResources(src: string): LinuxResources {
  let text: string;
  try {
    text = fs.readFileSync(src === "-" ? 0 : src, "utf8");
  } catch (e) {
    throw sysError("open", src === "-" ? "stdin" : src, e);
  }
  return resourcesFromJson(text, src);
}

export default function update(ctx: Ctx, id: string, flags: UpdateFlags): number {
  // Parse everything before touching the container: bad input changes nothing.
  let upd: LinuxResources;
  if (flags.resources) upd = readResources(flags.resources);
  else {
    const r = resourcesFromFlags(flags);
    for (const w of r.warnings) ctx.log.warn(w);
    upd = r.res;
  }
  const { h, st, status } = load(ctx, id);
  try {
    if (status === "stopped") throw new TsrunError("container not running");
    const stored = (st.spec.linux?.resources ?? undefined) as LinuxResources | undefined;
    const { apply, merged } = planUpdate(stored, upd);
    loadCgroupManager(st.cgroup).apply(apply);
    st.spec.linux = { ...(st.spec.linux ?? {}), resources: merged as never };
    h.write(st);
    return 0;
  } finally {
    h.close();
  }
}
