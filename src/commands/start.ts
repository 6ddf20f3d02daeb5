/** tsrun start ID: the waiting init execs the container's process. */
import type { Runtime } from "../lib/index.js";

export default async function start(rt: Runtime, id: string): Promise<number> {
  await rt.container(id).start();
  return 0;
}
