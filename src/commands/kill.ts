/** tsrun kill ID [SIG] [--all]: a pidfd to init (checked against its start time), or the whole cgroup. */
import { fault } from "../fault.js";
import { TsrunError } from "../errors.js";
import type { Ctx } from "../context.js";
import { load } from "../container.js";
import { parseSignal } from "../signals.js";
import { isAlive } from "../state/status.js";
import { readProcStat } from "../state/proc.js";
import { loadCgroupManager } from "../cgroup/manager.js";

export default function kill(ctx: Ctx, id: string, signal: string | undefined, opts: { all?: boolean }): number {
  const sig = parseSignal(signal);
  const { h, st, status } = load(ctx, id);
  try {
    // --all reaches what is left in the cgroup even after init exited (runc does the same).
    fault("kill-before-signal");
    if (opts.all) {
      loadCgroupManager(st.cgroup).killAll(sig);
      fault("kill-after-signal");
      return 0;
    }
    if (status === "stopped") throw new TsrunError("container not running");
    const sys = ctx.sys();
    let fd: number;
    try { fd = sys.pidfdOpen(st.pid); } catch { throw new TsrunError("container not running"); }
    if (!isAlive(st.initStartTime, readProcStat(st.pid))) throw new TsrunError("container not running");
    try {
      sys.pidfdSendSignal(fd, sig);
    } catch (e) {
      // init exited between the checks and the signal: the text podman and containerd match
      if ((e as TsrunError).code === "ESRCH") throw new TsrunError("container not running");
      throw e;
    }
    fault("kill-after-signal");
    return 0;
  } finally {
    h.close();
  }
}
