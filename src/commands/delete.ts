/** tsrun delete [--force]: poststop hooks, cgroup, state. Running containers need --force. */
import { TsrunError } from "../errors.js";
import type { Ctx } from "../context.js";
import { load, destroy, killAndWait } from "../container.js";
import { validateId } from "../state/ids.js";

export default function del(ctx: Ctx, id: string, opts: { force?: boolean }): number {
  validateId(id);
  let l;
  try {
    l = load(ctx, id);
  } catch (e) {
    // runc: delete --force of a missing container succeeds quietly
    if (opts.force && e instanceof TsrunError && /does not exist/.test(e.message)) return 0;
    throw e;
  }
  try {
    if (l.status !== "stopped") {
      if (!opts.force) throw new TsrunError(`cannot delete container ${id} that is not stopped: ${l.status}`);
      killAndWait(ctx, l.st);
    }
    destroy(ctx, l);
  } finally {
    l.h.close();
  }
  return 0;
}
