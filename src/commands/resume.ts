/** tsrun resume ID: thaw a paused container; anything else is refused as runc refuses it. */
import { TsrunError } from "../errors.js";
import type { Ctx } from "../context.js";
import { load } from "../container.js";
import { loadCgroupManager } from "../cgroup/manager.js";

export default function resume(ctx: Ctx, id: string): number {
  const { h, st, status } = load(ctx, id);
  try {
    if (status !== "paused") throw new TsrunError("container not paused");
    loadCgroupManager(st.cgroup).thaw();
    return 0;
  } finally {
    h.close();
  }
}
