/**
 * run: create + start + wait + delete, exit status passed through (128+signal when killed).
 * Catchable signals are forwarded to init. `detach` returns after start.
 * With a terminal and no console socket, the pty is proxied to this process's stdio; without
 * one, init gets pipes that are relayed (stdio-relay.ts), drained to EOF before run returns.
 */
import { mark } from "../profile.js";
import { fault } from "../fault.js";
import type { Ctx } from "../context.js";
import { createContainer, type CreateOptions } from "./create.js";
import { startLoaded } from "./start.js";
import { load, destroy, killAndWait } from "./container.js";
import { forwardSignals, waitExit, ptySession, endSession, closeFd } from "./foreground.js";
import { relayStdio, type Relay } from "./stdio-relay.js";

export interface RunOptions extends CreateOptions {
  detach?: boolean;
  /** keep the container after it exits (`--keep`) */ keep?: boolean;
  /** false: do not become a subreaper (`--no-subreaper`) */ subreaper?: boolean;
  /** the pty proxy could not finish because a process still holds the terminal */ stuck?: () => void;
}

export async function runContainer(ctx: Ctx, id: string, opts: RunOptions): Promise<number> {
  const sys = ctx.sys();
  if (!opts.detach && opts.subreaper !== false) sys.setSubreaper();
  const fwd = opts.detach ? undefined : forwardSignals(sys);
  let c;
  try {
    c = createContainer(ctx, id, { ...opts, foreground: !opts.detach });
  } catch (e) {
    fwd?.stop();
    throw e;
  }
  const pid = c.pid;
  let master = -1;
  let relay: Relay | undefined;
  try {
    if (c.pipes) relay = relayStdio(sys, c.pipes);
    if (c.console >= 0) master = sys.recvFd(c.console).fd;
    startLoaded(ctx, { h: c.h, st: c.st, status: "created" });
    mark("run: started");
  } catch (e) {
    fwd?.stop();
    relay?.stop();
    c.h.close();
    closeFd(c.console);
    closeFd(master);
    const l = load(ctx, id);
    try { killAndWait(ctx, l.st); destroy(ctx, l); } finally { l.h.close(); }
    throw e;
  }
  c.h.close();
  closeFd(c.console);
  if (!fwd) return 0;
  fault("run-after-start");

  const session = master >= 0 ? ptySession(master) : undefined;
  let code: number;
  try {
    try {
      fwd.attach(pid);
      code = await waitExit(sys, pid);
      mark("run: process exited");
    } finally {
      fwd.stop();
      if (session) await endSession(session, opts.stuck);
    }
    fault("run-after-exit");
    if (!opts.keep) {
      const l = load(ctx, id);
      try {
        if (l.status !== "stopped") killAndWait(ctx, l.st);
        destroy(ctx, l);
      } finally { l.h.close(); }
    }
    mark("run: container deleted");
    await relay?.done;                              // as runc: the container is gone, its output drains to EOF
    mark("run: output drained");
  } finally {
    relay?.stop();
  }
  return code;
}
