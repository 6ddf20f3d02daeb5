/** start: open the exec fifo so the waiting init execs the user's process, then the poststart hooks. */
import { fault } from "../fault.js";
import * as fs from "node:fs";
import { TsrunError, sysError } from "../errors.js";
import type { Ctx } from "../context.js";
import { load, ociState, killAndWait } from "./container.js";
import { isAlive } from "../state/status.js";
import { readProcStat, sleepMs } from "../state/proc.js";
import { runHooks } from "../hooks.js";

export function startLoaded(ctx: Ctx, l: ReturnType<typeof load>): void {
  const { h, st, status } = l;
  switch (status) {
    case "created": break;
    case "stopped": throw new TsrunError("cannot start a container that has stopped");
    case "running": throw new TsrunError("cannot start an already running container");
    default: throw new TsrunError(`cannot start a container in the ${status} state`);
  }
  if (!st.spec.process) throw new TsrunError(`cannot start container "${st.id}": config.json has no process`);
  let fd: number;
  try {
    fd = fs.openSync(h.fifoPath, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw sysError("open", h.fifoPath, e);
  }
  try {
    const buf = Buffer.alloc(1);
    // init opens the fifo for writing, writes one byte, and goes on to exec
    for (;;) {
      let n = readNb(fd, buf, h.fifoPath);
      if (n === 1) break;
      if (!isAlive(st.initStartTime, readProcStat(st.pid))) {
        // init may have written its byte and already exited (a short process under load): read once more
        try { n = fs.readSync(fd, buf, 0, 1, null); } catch { n = 0; }
        if (n === 1) break;
        throw new TsrunError("cannot start a container that has stopped");
      }
      sleepMs(1);
    }
    // startContainer hooks run in init now; it keeps the fifo open until it execs (EOF) or a hook fails (one line)
    const failed = st.spec.hooks?.startContainer?.length ? readUntilEof(fd, h.fifoPath) : "";
    if (failed) {
      fs.rmSync(h.fifoPath, { force: true });
      killAndWait(ctx, st);                         // init has given up; nothing of the container runs on
      throw new TsrunError(failed);
    }
  } finally {
    fs.closeSync(fd);
  }
  fault("start-after-fifo");
  fs.rmSync(h.fifoPath, { force: true });
  fault("start-after-fifo-removed");
  ctx.log.debug(`start: ${st.id}: init ${st.pid} released: it execs ${JSON.stringify(st.spec.process.args ?? [])}`);
  // the spec: poststart runs once the process has started, so the state says "running" even if it already exited
  runHooks(ctx, st.spec.hooks?.poststart, "poststart", ociState(st, "running"), { failIsError: false });
}

/** A read of the non-blocking fifo: the byte count (0 at EOF), or -1 when nothing is there yet. */
function readNb(fd: number, buf: Buffer, path: string): number {
  try { return fs.readSync(fd, buf, 0, buf.length, null); } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw sysError("read", path, e);
    return -1;
  }
}

/** What init writes to the fifo after its "0": nothing when every startContainer hook passed, else the failure. */
function readUntilEof(fd: number, path: string): string {
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(512);
  for (let wait = 1; ;) {
    const n = readNb(fd, buf, path);
    if (n === 0) break;
    if (n > 0) { chunks.push(Buffer.from(buf.subarray(0, n))); continue; }
    sleepMs(wait);
    wait = Math.min(wait * 2, 20);
  }
  return Buffer.concat(chunks).toString().trim().split("\n")[0] ?? "";
}

export function startContainer(ctx: Ctx, id: string): void {
  const l = load(ctx, id);
  try { startLoaded(ctx, l); } finally { l.h.close(); }
}
