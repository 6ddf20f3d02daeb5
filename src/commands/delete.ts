/** tsrun delete [--force] ID: poststop hooks, cgroup, state. Running containers need --force. */
import type { Runtime } from "../lib/index.js";

export default async function del(rt: Runtime, id: string, opts: { force?: boolean }): Promise<number> {
  await rt.container(id).delete(opts);
  return 0;
}
