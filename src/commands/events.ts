/**
 * tsrun events [--stats] [--interval 5s] ID: `--stats` prints one runc-shaped stats line;
 * otherwise stats lines every interval plus an `oom` line whenever the cgroup's OOM-kill
 * count grows, until the container stops.
 */
import { TsrunError } from "../errors.js";
import type { Ctx } from "../context.js";
import { load, statusOf } from "../container.js";
import { loadCgroupManager } from "../cgroup/manager.js";
import { runcStatsEvent } from "../cgroup/stats.js";
import { oomEvent, parseInterval } from "../cgroup/events.js";

const OOM_POLL_MS = 100;

function write(s: string): Promise<void> {
  return new Promise((resolve) => { if (process.stdout.write(s)) resolve(); else process.stdout.once("drain", resolve); });
}

/** Stopped or already deleted. */
function stopped(ctx: Ctx, id: string): boolean {
  let hh;
  try { hh = ctx.store().open(id, "sh"); } catch { return true; }
  try { return statusOf(hh, hh.read()) === "stopped"; } catch { return true; } finally { hh.close(); }
}

export default async function events(ctx: Ctx, id: string, opts: { stats?: boolean; interval?: string }): Promise<number> {
  const intervalMs = parseInterval(opts.interval ?? "5s");
  const { h, st, status } = load(ctx, id);
  h.close();
  if (status === "stopped") throw new TsrunError(`container with id ${id} is not running`);
  const cg = loadCgroupManager(st.cgroup);
  if (opts.stats) {
    await write(runcStatsEvent(id, cg.stats()));
    return 0;
  }
  let ooms = cg.oomCount();
  let next = Date.now();
  for (;;) {
    const n = cg.oomCount();
    if (n > ooms) await write(oomEvent(id));
    ooms = n;
    if (stopped(ctx, id)) {
      if (cg.oomCount() > ooms) await write(oomEvent(id));
      return 0;
    }
    if (Date.now() >= next) {
      try { await write(runcStatsEvent(id, cg.stats())); } catch (e) { ctx.log.warn(`events: stats: ${(e as Error).message}`); }
      next += intervalMs;
    }
    await new Promise((r) => setTimeout(r, Math.min(OOM_POLL_MS, Math.max(1, next - Date.now()))));
  }
}
