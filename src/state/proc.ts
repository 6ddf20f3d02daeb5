import { readFileSync } from "node:fs";
import { parseProcStat, type ProcStat } from "./status.js";

export function readProcStat(pid: number): ProcStat | undefined {
  if (!(pid > 0)) return undefined;
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return undefined;
  }
}

/** Sleep without an event loop turn (used in short, bounded waits). */
export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
