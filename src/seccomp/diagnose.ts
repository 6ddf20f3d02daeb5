/**
 * Why did init die during setup? When a seccomp profile kills a syscall that tsrun's own
 * child still makes after loading the filter (without noNewPrivileges the filter is loaded
 * before the capabilities are dropped), init dies of SIGSYS and the parent only sees EOF on
 * the sync socket. The zombie's exit code (field 52 of /proc/PID/stat, Linux >= 3.5) says
 * which signal it was, while init is still unreaped.
 */
import { readFileSync } from "node:fs";
import { sleepMs } from "../state/proc.js";

const SIGSYS = 31;

/** The signal that killed the zombie `pid`, or 0 (alive, reaped, exited normally, unknown). */
export function zombieSignal(pid: number, waitMs = 200): number {
  if (!(pid > 0)) return 0;
  for (let waited = 0; ; waited += 10) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      return 0;
    }
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // f[0] is field 3 (state)
    if (f[0] === "Z" || f[0] === "X") return Number(f[49] ?? 0) & 0x7f;
    if (waited >= waitMs) return 0;
    sleepMs(10);                                   // EOF comes a moment before the zombie
  }
}

/** An explanation to add to "container init exited during setup", or "". */
export function setupDeathHint(pid: number, hasSeccomp: boolean): string {
  const sig = zombieSignal(pid);
  if (sig === 0) return "";
  if (sig === SIGSYS && hasSeccomp) {
    return ": killed by SIGSYS: the seccomp profile refuses a syscall tsrun makes after loading it" +
      " (without process.noNewPrivileges the filter is loaded before the capabilities are dropped)";
  }
  return `: killed by signal ${sig}`;
}
