/**
 * Container status is worked out when it is read, never trusted from disk (runc style).
 * Pure: the probes come in as data, so the rules are unit-tested without processes.
 */
export type Status = "creating" | "created" | "running" | "paused" | "stopped";

export interface ProcStat { state: string; startTime: number; ppid?: number }

/** Parse /proc/<pid>/stat text: the comm field may hold spaces and parens. */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(")");
  if (close < 0) return undefined;
  const f = text.slice(close + 2).split(" ");
  const startTime = Number(f[19]);
  if (!f[0] || !Number.isFinite(startTime)) return undefined;
  return { state: f[0], startTime, ppid: Number(f[1]) };
}

export interface StatusInput {
  phase: "creating" | "created";
  pid: number;
  startTime: number;
  /** the creator still holds... we hold the lock, so a "creating" phase means the creator died */
  proc: ProcStat | undefined;
  fifoExists: boolean;
  frozen: boolean;
}

export function isAlive(pidStartTime: number, proc: ProcStat | undefined): boolean {
  return !!proc && proc.startTime === pidStartTime && proc.state !== "Z" && proc.state !== "X" && proc.state !== "x";
}

export function deriveStatus(s: StatusInput): Status {
  if (s.pid <= 0 || !isAlive(s.startTime, s.proc)) return "stopped";
  if (s.phase === "creating") return "creating";
  if (s.frozen) return "paused";
  if (s.fifoExists) return "created";
  return "running";
}
