/** tsrun ps [-f table|json] ID [ps-args…]: the container's processes (pids from its cgroup). */
import type { Runtime } from "../lib/index.js";
import { psJson, psTable } from "../lib/format.js";

/** runc ignores ps arguments with `-f json`; so does tsrun. */
export default async function ps(rt: Runtime, id: string, psArgs: string[], opts: { format?: string }): Promise<number> {
  const pids = await rt.container(id).ps();
  process.stdout.write(opts.format === "json" ? psJson(pids) : psTable(pids, psArgs));
  return 0;
}
