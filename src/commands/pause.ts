/** tsrun pause ID: freeze every process of a running (or created) container, as runc does. */
import { TsrunError } from "../errors.js";
import type { Ctx } from "../context.js";
import { load } from "../container.js";
import { loadCgroupManager } from "../cgroup/manager.js";

export default function pause(ctx: Ctx, id: string): number {
  const { h, st, status } = load(ctx, id);
  try {
    if (status !== "running" && status !== "created") throw new TsrunError("container not running");
    loadCgroupManager(st.cgroup).freeze();
    return 0;
  } finally {
    h.close();
  }
}
