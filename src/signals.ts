import { TsrunError } from "./errors.js";

const SIGNALS = process.getBuiltinModule("node:os").constants.signals as Record<string, number>; // not a static import: Bun hoists those to start-up (PERFORMANCE.md, round 4)

/** `9`, `KILL`, `SIGKILL`, `sigkill` → 9; `0` is the liveness check (`kill <id> 0`, as in runc). Anything else is bad input. */
export function parseSignal(s: string | undefined, fallback = "SIGTERM"): number {
  const v = (s ?? fallback).trim();
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    if (n >= 0 && n <= 64) return n;
  } else {
    const up = v.toUpperCase();
    const name = up.startsWith("SIG") ? up : `SIG${up}`;
    if (SIGNALS[name] !== undefined) return SIGNALS[name];
    const rt = /^SIGRTMIN(?:\+(\d+))?$/.exec(name);
    if (rt && Number(rt[1] ?? 0) <= 30) return 34 + Number(rt[1] ?? 0);
  }
  throw new TsrunError(`invalid signal ${JSON.stringify(v)}`);
}
