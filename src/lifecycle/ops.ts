/** kill, pause, resume, update and delete of an existing container, each under its flock. */
import { closeSync } from "node:fs";
import { fault } from "../fault.js";
import { TsrunError } from "../errors.js";
import { CorruptState } from "../state/store.js";
import type { Ctx } from "../context.js";
import { load, loadCg, destroy, killAndWait } from "./container.js";
import { validateId } from "../state/ids.js";
import { isAlive } from "../state/status.js";
import { readProcStat } from "../state/proc.js";
import { planUpdate } from "../cgroup/update-args.js";
import type { LinuxResources } from "../cgroup/types.js";

/** A signal to init (a pidfd, checked against its start time), or with `all` to the whole cgroup. */
export function killContainer(ctx: Ctx, id: string, sig: number, opts: { all?: boolean }): void {
  const { h, st, status } = load(ctx, id);
  try {
    // --all reaches what is left in the cgroup even after init exited (runc does the same).
    fault("kill-before-signal");
    if (opts.all) {
      loadCg(ctx, st).killAll(sig);
      fault("kill-after-signal");
      return;
    }
    if (status === "stopped") throw new TsrunError("container not running");
    const sys = ctx.sys();
    let fd: number;
    try { fd = sys.pidfdOpen(st.pid); } catch { throw new TsrunError("container not running"); }
    try {
      if (!isAlive(st.initStartTime, readProcStat(st.pid))) throw new TsrunError("container not running");
      sys.pidfdSendSignal(fd, sig);
    } catch (e) {
      // init exited between the checks and the signal: the text podman and containerd match
      if ((e as TsrunError).code === "ESRCH") throw new TsrunError("container not running");
      throw e;
    } finally {
      closeSync(fd);                                // a library's caller lives on: no pidfd may leak
    }
    fault("kill-after-signal");
  } finally {
    h.close();
  }
}

/** Freeze every process of a running (or created) container, as runc does. */
export function pauseContainer(ctx: Ctx, id: string): void {
  const { h, st, status } = load(ctx, id);
  try {
    if (status !== "running" && status !== "created") throw new TsrunError("container not running");
    loadCg(ctx, st).freeze();
  } finally {
    h.close();
  }
}

/** Thaw a paused container; anything else is refused as runc refuses it. */
export function resumeContainer(ctx: Ctx, id: string): void {
  const { h, st, status } = load(ctx, id);
  try {
    if (status !== "paused") throw new TsrunError("container not paused");
    loadCg(ctx, st).thaw();
  } finally {
    h.close();
  }
}

/** Change a live container's cgroup limits; the merged resources are stored for the next update. */
export function updateContainer(ctx: Ctx, id: string, upd: LinuxResources): void {
  const { h, st, status } = load(ctx, id);
  try {
    if (status === "stopped") throw new TsrunError("container not running");
    const stored = (st.spec.linux?.resources ?? undefined) as LinuxResources | undefined;
    const { apply, merged } = planUpdate(stored, upd);
    loadCg(ctx, st).apply(apply);
    st.spec.linux = { ...(st.spec.linux ?? {}), resources: merged as never };
    h.write(st);
  } finally {
    h.close();
  }
}

/** Poststop hooks, cgroup, state. A container that is not stopped needs `force`. */
export function deleteContainer(ctx: Ctx, id: string, opts: { force?: boolean }): void {
  validateId(id);
  let l;
  try {
    l = load(ctx, id);
  } catch (e) {
    // runc: delete --force of a missing container succeeds quietly. A directory with no
    // state.json is what a create that died before its first state write leaves: remove it.
    if (opts.force && e instanceof TsrunError && /does not exist/.test(e.message)) {
      removeStateless(ctx, id);
      return;
    }
    if (opts.force && e instanceof CorruptState) {
      removeCorrupt(ctx, id);
      return;
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
}

/** The state dir of a container whose state.json does not parse; what it ran cannot be known from it. */
function removeCorrupt(ctx: Ctx, id: string): void {
  const h = ctx.store().open(id);
  try { h.remove(); } finally { h.close(); }
  ctx.log.warn(`container ${id}: corrupt state file removed; its processes and cgroups, if any, could not be read from it`);
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
