/**
 * A cgroup v2 host in a temp dir, as a CgroupFactory for `new Runtime({ cgroups })`: the real
 * manager over a fake cgroupfs (fsRoot, mountinfo, onMkdir), plus the few things the kernel does
 * that plain files do not: cgroup.procs lists only live processes, cgroup.kill kills them,
 * the interface files go away with rmdir, and the device filter is recorded instead of bpf(2).
 */
import * as fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { CgroupFactory } from "../../src/context.js";
import { newCgroupManager, loadCgroupManager, type CgroupManager, type CgroupPaths, type LoadOptions } from "../../src/cgroup/manager.js";
import { readProcStat, sleepMs } from "../../src/state/proc.js";

const CONTROLLERS = ["cpuset", "cpu", "io", "memory", "pids"];
const FILES: Record<string, Record<string, string>> = {
  "": { "cgroup.procs": "", "cgroup.subtree_control": "", "cgroup.freeze": "0", "cgroup.kill": "", "cpu.stat": "usage_usec 0\n" },
  memory: { "memory.max": "max", "memory.low": "0", "memory.high": "max", "memory.swap.max": "max", "memory.current": "0", "memory.events": "oom 0\noom_kill 0\n" },
  pids: { "pids.max": "max", "pids.current": "0" },
  cpu: { "cpu.weight": "100", "cpu.max": "max 100000", "cpu.max.burst": "0", "cpu.idle": "0" },
  io: { "io.max": "", "io.weight": "default 100" },
  cpuset: { "cpuset.cpus": "", "cpuset.mems": "" },
};

const alive = (pid: number): boolean => { const s = readProcStat(pid); return !!s && s.state !== "Z" && s.state !== "X"; };

export interface FakeCgroupfs {
  /** the temp dir standing for / */
  root: string;
  /** the real path of a cgroup ("" is the root cgroup) */
  cg(rel: string): string;
  factory: CgroupFactory;
  /** device filters attached, by cgroup dir */
  deviceFilters: string[];
  /** the live pids listed in a cgroup's cgroup.procs */
  procs(rel: string): number[];
  remove(): void;
}

export function fakeCgroupfs(): FakeCgroupfs {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "tsrun-cgfs-"));
  const cg = (rel: string): string => path.join(root, "sys/fs/cgroup", rel);
  const put = (dir: string, files: Record<string, string>): void => {
    for (const [f, v] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), v);
  };
  fs.mkdirSync(cg(""), { recursive: true });
  put(cg(""), { ...FILES[""], "cgroup.controllers": CONTROLLERS.join(" ") });
  const deviceFilters: string[] = [];
  const onMkdir = (dir: string): void => {
    // cgroup.controllers is what the parent enabled in its subtree_control ("+a +b")
    const enabled = fs.readFileSync(path.join(path.dirname(dir), "cgroup.subtree_control"), "utf8")
      .split(/\s+/).filter((w) => w !== "").map((w) => w.replace(/^[+]/, ""));
    put(dir, { ...FILES[""], "cgroup.controllers": enabled.join(" ") });
    for (const c of enabled) put(dir, FILES[c] ?? {});
  };
  const opts: LoadOptions = {
    onMkdir,
    attachDeviceFilter: (dir) => { deviceFilters.push(path.relative(cg(""), dir)); },
  };
  const procsOf = (dir: string): number[] => {
    try { return fs.readFileSync(path.join(dir, "cgroup.procs"), "utf8").split("\n").filter((l) => l !== "").map(Number); } catch { return []; }
  };
  const kernelLike = (m: CgroupManager): CgroupManager => {
    const dirs = (p: CgroupPaths): string[] => [...(p.v2 ? [p.v2] : []), ...Object.values(p.v1 ?? {}), ...(p.created ?? [])];
    return {
      get paths() { return m.paths; },
      create: (r) => m.create(r),
      addProcess: (pid, o) => m.addProcess(pid, o),
      apply: (r) => m.apply(r),
      freeze: () => m.freeze(),
      thaw: () => m.thaw(),
      state: () => m.state(),
      pids: () => m.pids().filter(alive),
      killAll: (sig) => {
        for (const pid of m.pids().filter(alive)) { try { process.kill(pid, sig); } catch { /* gone */ } }
        m.killAll(sig);
      },
      destroy: () => {
        // as the kernel's cgroup.procs, the lists drop processes once they are dead (Manager.destroy waits for that)
        for (let i = 0; i < 100 && dirs(m.paths).some((d) => procsOf(d).some(alive)); i++) sleepMs(10);
        for (const d of dirs(m.paths)) if (fs.existsSync(path.join(d, "cgroup.procs"))) fs.writeFileSync(path.join(d, "cgroup.procs"), procsOf(d).filter(alive).map((p) => `${p}\n`).join(""));
        // rmdir of a cgroup takes its interface files with it
        // (of a directory whose children go too: leaves first)
        const gone = new Set<string>();
        for (const d of [...new Set(dirs(m.paths))].sort((a, b) => b.split("/").length - a.split("/").length)) {
          let ents: fs.Dirent[] = [];
          try { ents = fs.readdirSync(d, { withFileTypes: true }); } catch { continue; }
          if (ents.some((e) => e.isDirectory() && !gone.has(path.join(d, e.name))) || procsOf(d).some(alive)) continue;
          for (const e of ents) if (!e.isDirectory()) fs.rmSync(path.join(d, e.name));
          gone.add(d);
        }
        m.destroy();
      },
      stats: () => m.stats(),
      oomCount: () => m.oomCount(),
    };
  };
  const factory: CgroupFactory = {
    create: (o) => kernelLike(newCgroupManager({
      ...o, ...opts, fsRoot: root, selfCgroup: "0::/\n",
      mountinfo: "60 31 0:60 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n",
      onMkdir: (d) => { onMkdir(d); o.onMkdir?.(d); },
    })),
    load: (p) => kernelLike(loadCgroupManager(p, opts)),
  };
  return {
    root, cg, factory, deviceFilters,
    procs: (rel) => procsOf(cg(rel)).filter(alive),
    remove: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}
