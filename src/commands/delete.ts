/** tsrun delete [--force]: poststop hooks, cgroup, state. Running containers need --force. */
import { TsrunError } from "../errors.js";
import type { Ctx } from "../context.js";
import { load, destroy, killAndWait } from "../container.js";
import { validateId } from "../state/ids.js";
import { fault } from "../fault.js";

export default function del(ctx: Ctx, id: string, opts: { force?: boolean }): number {
  validateId(id);
  let l;
  try {
    l = load(ctx, id);
  } catch (e) {
    // runc: delete --force of a missing container succeeds quietly. A directory with no
    // state.json is what a create that died before its first state write leaves: remove it.
    if (opts.force && e instanceof TsrunError && /does not exist/.test(e.message)) {
      removeStateless(ctx, id);
      return 0;
    }
    throw e;
  }
  try {
    // "creating" under our lock means its creator died: whatever it started must go too
    if (l.status !== "stopped" || l.st.phase === "creating") {
      if (!opts.force && l.status !== "stopped") throw new TsrunError(`cannot delete container ${id} that is not stopped: ${l.status}`);
      killAndWait(ctx, l.st);
    }
    fault("delete-after-kill");
    destroy(ctx, l);
  } finally {
    l.h.close();
  }
  return 0;
}

function removeStateless(ctx: Ctx, id: string): void {
  let h;
  try { h = ctx.store().open(id); } catch { return; }
  try {
    if (h.stateMissing()) h.remove();
  } finally {
    h.close();
  }
}
