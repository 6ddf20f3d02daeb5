/**
 * The "cgroup" of a rootless container that has none (./rootless.ts left every hierarchy out):
 * its processes are found from init instead, those in init's pid namespace when the container
 * has its own, else init and its descendants. ps, kill --all and delete work from that list;
 * pause and update have no cgroup to work on and say so.
 */
import fs from "node:fs";
import { TsrunError } from "../errors.js";
import { readProcStat } from "../state/proc.js";
import { emptyStats, type CgroupStats } from "./stats.js";
import type { CgroupManager, CgroupPaths } from "./manager.js";
import type { LinuxResources } from "./types.js";

/** Whether paths names no hierarchy at all. */
export function noHierarchy(p: CgroupPaths | undefined): boolean {
  return !p?.v2 && Object.keys(p?.v1 ?? {}).length === 0;
}

/** pid -> parent pid, from a /proc listing (pure over `stat`). */
export function descendants(root: number, parents: Map<number, number>): number[] {
  const out = new Set<number>([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of parents) if (!out.has(pid) && out.has(ppid)) { out.add(pid); grew = true; }
  }
  return [...out].sort((a, b) => a - b);
}

const nsOf = (pid: number | "self"): string | undefined => { try { return fs.readlinkSync(`/proc/${pid}/ns/pid`); } catch { return undefined; } };

const noCgroup = (what: string): TsrunError => new TsrunError(`${what}: the container has no cgroup (rootless, and none was writable)`);

export class ProcessTree implements CgroupManager {
  readonly paths: CgroupPaths = {};
  constructor(private readonly init: number, private readonly startTime: number) {}

  pids(): number[] {
    const st = readProcStat(this.init);
    if (!st || (this.startTime && st.startTime !== this.startTime)) return [];
    const ns = nsOf(this.init);
    const own = ns !== undefined && ns !== nsOf("self");
    const parents = new Map<number, number>();
    const same: number[] = [];
    for (const d of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(d)) continue;
      const pid = Number(d);
      if (own) { if (nsOf(pid) === ns) same.push(pid); continue; }
      const s = readProcStat(pid);
      if (s?.ppid !== undefined) parents.set(pid, s.ppid);
    }
    return own ? same.sort((a, b) => a - b) : descendants(this.init, parents);
  }

  killAll(signal: number): void {
    for (const pid of this.pids()) {
      try { process.kill(pid, signal); } catch { /* gone */ }
    }
  }

  create(): void { /* nothing to make */ }
  addProcess(): void { /* the process is found through init */ }
  apply(r: LinuxResources): void { if (Object.keys(r).some((k) => k !== "devices")) throw noCgroup("cannot set limits"); }
  freeze(): void { throw noCgroup("cannot pause"); }
  thaw(): void { throw noCgroup("cannot resume"); }
  state(): "frozen" | "thawed" { return "thawed"; }
  destroy(): void { /* nothing was made */ }
  stats(): CgroupStats { return emptyStats(); }
  oomCount(): number { return 0; }
}
