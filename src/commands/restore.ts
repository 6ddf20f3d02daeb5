/** tsrun restore [flags] ID: a container from criu's images (Runtime.restore); without -d, its exit status. */
import type { Runtime, RestoreOptions } from "../lib/index.js";

export default function restore(rt: Runtime, id: string, opts: RestoreOptions): Promise<number> {
  return rt.restore(id, opts);
}
