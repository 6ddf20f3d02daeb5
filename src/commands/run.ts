/**
 * tsrun run: create + start + wait + delete, exit status passed through (128+signal
 * when killed). Catchable signals are forwarded to init. -d detaches after start.
 */
import { fault } from "../fault.js";
import { constants } from "node:os";
import type { Ctx } from "../context.js";
import { createContainer, type CreateOptions } from "./create.js";
import { startLoaded } from "./start.js";
import { load, destroy, killAndWait } from "../container.js";
import { exitCodeOf } from "../sys/types.js";

const FORWARD = Object.keys(constants.signals).filter(
  (s) => !["SIGKILL", "SIGSTOP", "SIGCHLD", "SIGURG", "SIGWINCH", "SIGPROF", "SIGVTALRM", "SIGSEGV", "SIGBUS", "SIGILL", "SIGFPE", "SIGTRAP", "SIGABRT", "SIGIOT", "SIGSYS", "SIGPOLL", "SIGIO", "SIGUNUSED", "SIGSTKFLT", "SIGPWR", "SIGLOST", "SIGINFO"].includes(s),
) as NodeJS.Signals[];

export interface RunOptions extends CreateOptions { detach?: boolean; keep?: boolean; subreaper?: boolean }

export default async function run(ctx: Ctx, id: string, opts: RunOptions): Promise<number> {
  const sys = ctx.sys();
  if (!opts.detach && opts.subreaper !== false) sys.setSubreaper();
  const c = createContainer(ctx, id, opts);
  const pid = c.pid;
  try {
    startLoaded(ctx, { h: c.h, st: c.st, status: "created" });
  } catch (e) {
    c.h.close();
    const l = load(ctx, id);
    try { killAndWait(ctx, l.st); destroy(ctx, l); } finally { l.h.close(); }
    throw e;
  }
  c.h.close();
  if (opts.detach) return 0;
  fault("run-after-start");

  const pidfd = sys.pidfdOpen(pid);
  const handlers = FORWARD.map((s) => {
    const fn = (): void => { try { sys.pidfdSendSignal(pidfd, constants.signals[s]); } catch { /* exited */ } };
    process.on(s, fn);
    return [s, fn] as const;
  });
  let code: number;
  try {
    for (;;) {
      const w = await sys.waitpid(-1);       // reap everything reparented to us; stop at init
      if (w.pid === pid) { code = exitCodeOf(w.status); break; }
    }
  } finally {
    for (const [s, fn] of handlers) process.off(s, fn);
  }
  fault("run-after-exit");
  if (!opts.keep) {
    const l = load(ctx, id);
    try {
      if (l.status !== "stopped") killAndWait(ctx, l.st);
      destroy(ctx, l);
    } finally { l.h.close(); }
  }
  return code;
}
