/** tsrun checkpoint [flags] ID: criu dumps the container (runc's flags; Container.checkpoint). */
import type { Runtime, CheckpointOptions } from "../lib/index.js";

export default async function checkpoint(rt: Runtime, id: string, opts: CheckpointOptions): Promise<number> {
  await rt.container(id).checkpoint(opts);
  return 0;
}
