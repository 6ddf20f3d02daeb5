/** tsrun ps [-f table|json] ID [ps-args…]: the container's processes (pids from its cgroup). */
import { TsrunError } from "../errors.js";
import type { Ctx } from "../context.js";
import { load } from "../container.js";
import { loadCgroupManager } from "../cgroup/manager.js";
import { filterPsTable, psJson } from "../cgroup/ps-filter.js";

/** runc ignores ps arguments with `-f json`; so does tsrun. */
export default function ps(ctx: Ctx, id: string, psArgs: string[], opts: { format?: string }): number {
  const { h, st } = load(ctx, id);
  let pids: number[];
  try {
    pids = loadCgroupManager(st.cgroup).pids();
  } finally {
    h.close();
  }
  if (opts.format === "json") {
    process.stdout.write(psJson(pids));
    return 0;
  }
  const args = psArgs.length ? psArgs : ["-ef"];
  const r = process.getBuiltinModule("node:child_process").spawnSync("ps", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 });
  if (r.error) throw new TsrunError(`ps: exec \`ps\`: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`);
  if (r.status !== 0) throw new TsrunError(`ps: \`ps ${args.join(" ")}\` failed: ${(r.stderr || "").trim().split("\n")[0] || `exit status ${r.status}`}`);
  process.stdout.write(filterPsTable(r.stdout, pids));
  return 0;
}
