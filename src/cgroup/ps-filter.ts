/**
 * `tsrun ps`: pure helpers. The table form runs the host's `ps` and keeps its header plus the
 * lines whose PID column is one of the container's pids (runc's behaviour); `-f json` is the
 * bare pid list.
 */
import { TsrunError } from "../errors.js";

/** `[1,2,3]` plus newline, as Go's encoder prints a []int. */
export function psJson(pids: number[]): string {
  return JSON.stringify(pids) + "\n";
}

/** Header plus the lines of `psOutput` whose PID column is in `pids`. */
export function filterPsTable(psOutput: string, pids: number[]): string {
  const lines = psOutput.split("\n");
  const header = lines[0] ?? "";
  const col = header.trim().split(/\s+/).indexOf("PID");
  if (col < 0) throw new TsrunError("ps: couldn't find PID field in ps output");
  const want = new Set(pids);
  const out = [header];
  for (const l of lines.slice(1)) {
    if (l.trim() === "") continue;
    const f = l.trim().split(/\s+/);
    const pid = Number(f[col]);
    if (Number.isInteger(pid) && want.has(pid)) out.push(l);
  }
  return out.join("\n") + "\n";
}
