/**
 * TSRUN_PROFILE=1: where a call's time goes, printed to stderr as it exits, one line per phase
 * with the milliseconds since the process started (the engine's own start-up is the first
 * mark's value). For docs/PERFORMANCE.md; costs one env lookup when unset.
 */
import { writeSync } from "node:fs";

const on = process.env.TSRUN_PROFILE === "1";
const marks: Array<[string, number]> = [];

export function mark(name: string): void {
  if (!on) return;
  if (marks.length === 0) process.once("exit", () => {
    let prev = 0;
    const lines = marks.map(([n, t]) => { const l = `profile: ${t.toFixed(1).padStart(6)} ms  +${(t - prev).toFixed(1).padStart(5)}  ${n}`; prev = t; return l; });
    try { writeSync(2, lines.join("\n") + "\n"); } catch { /* stderr gone */ }
  });
  marks.push([name, performance.now()]);
}
