/**
 * Library output as runc prints it, for the command line: events lines and ps tables.
 * (A program using the library gets the objects themselves.)
 */
import { TsrunError } from "../errors.js";
import { runcStatsEvent } from "../cgroup/stats.js";
import { oomEvent } from "../cgroup/events.js";
import { filterPsTable } from "../cgroup/ps-filter.js";
import type { ContainerEvent } from "../lifecycle/query.js";

export { psJson } from "../cgroup/ps-filter.js";

/** One line exactly as `runc events` prints the event (newline included). */
export function eventLine(ev: ContainerEvent): string {
  return ev.type === "oom" ? oomEvent(ev.id) : runcStatsEvent(ev.id, ev.stats);
}

/** `ps ARGS` (default -ef), cut to the header and the lines of these pids, as `runc ps` does. */
export function psTable(pids: number[], psArgs: string[]): string {
  const args = psArgs.length ? psArgs : ["-ef"];
  const r = process.getBuiltinModule("node:child_process").spawnSync("ps", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 });
  if (r.error) throw new TsrunError(`ps: exec \`ps\`: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`);
  if (r.status !== 0) throw new TsrunError(`ps: \`ps ${args.join(" ")}\` failed: ${(r.stderr || "").trim().split("\n")[0] || `exit status ${r.status}`}`);
  return filterPsTable(r.stdout, pids);
}
