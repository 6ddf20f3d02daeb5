/**
 * tsrun events [--stats] [--interval 5s] ID: `--stats` prints one runc-shaped stats line;
 * otherwise stats lines every interval plus an `oom` line whenever the cgroup's OOM-kill
 * count grows, until the container stops.
 */
import type { Runtime } from "../lib/index.js";
import { eventLine } from "../lib/format.js";
import { parseInterval } from "../lib/input.js";

function write(s: string): Promise<void> {
  return new Promise((resolve) => { if (process.stdout.write(s)) resolve(); else process.stdout.once("drain", resolve); });
}

export default async function events(rt: Runtime, id: string, opts: { stats?: boolean; interval?: string }): Promise<number> {
  const interval = parseInterval(opts.interval ?? "5s");
  const c = rt.container(id);
  if (opts.stats) {
    await write(eventLine({ type: "stats", id, stats: await c.stats() }));
    return 0;
  }
  for await (const ev of c.events({ interval })) {
    try { await write(eventLine(ev)); } catch (e) { rt.log.warn(`events: stats: ${(e as Error).message}`); }
  }
  return 0;
}
