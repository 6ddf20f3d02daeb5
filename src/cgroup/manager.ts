/**
 * The cgroup manager the lifecycle uses. One interface over two drivers, chosen per
 * controller: a controller cgroup2 offers is driven through v2 files, one mounted as a v1
 * hierarchy through v1 files (runc's behaviour on hybrid hosts), and one found nowhere
 * gives `cgroup: <controller> controller not available (<file>)` before anything is made.
 */
import { fault } from "../fault.js";
import fs from "node:fs";
import path from "node:path";
import { TsrunError } from "../errors.js";
import { attachDeviceFilter } from "../sys/bpf.js";
import { codeOf, exists, readOptional, rmdirIfUnused, removeCgroupTree, sleepMs } from "./cgfs.js";
import { normalizeDeviceRules } from "./devices.js";
import { DEVICE_PROG_LICENSE, encodeProgram, generateDeviceProgram } from "./devices-bpf.js";
import { parseMountinfo } from "./mountinfo.js";
import { innerPath, parseProcCgroup, resolvePaths } from "./paths.js";
import { mapV1, mapV1Devices, unifiedOnV1 } from "./resources-v1.js";
import { mapV2 } from "./resources-v2.js";
import { emptyStats, type CgroupStats } from "./stats.js";
import * as sc from "./stats-collect.js";
import { type CgroupProbe, type CgroupWrite, type LinuxResources, emptyProbe } from "./types.js";
import { V1Driver } from "./v1.js";
import { V2Driver, type DeviceFilterAttach } from "./v2.js";
import { SystemdManager, type SystemdUnit } from "./systemd.js";
import { rootlessPaths } from "./rootless.js";

/** An errno name when this process may not write `p`, undefined when it may. */
function writableProbe(p: string): string | undefined {
  try { fs.accessSync(p, fs.constants.W_OK); return undefined; } catch (e) { return codeOf(e) ?? "EACCES"; }
}

export type { LinuxResources } from "./types.js";
export type { CgroupStats } from "./stats.js";

/** Absolute directories, persisted in state.json. */
export interface CgroupPaths {
  v2?: string;
  /** controller (or "name=systemd") -> directory; co-mounted controllers share one */
  v1?: Record<string, string>;
  /** directories tsrun made (leaf included), parents first: destroy removes the empty ones */
  created?: string[];
  /** the systemd driver's unit (src/cgroup/systemd.ts): its presence picks that driver on load */
  systemd?: SystemdUnit;
}

export interface CgroupManager {
  readonly paths: CgroupPaths;
  /** true: the cgroup exists only once addProcess placed the new child (systemd makes it): no CLONE_INTO_CGROUP */
  readonly joinsLate?: boolean;
  create(resources?: LinuxResources): void;
  /** `v2: false` when clone3(CLONE_INTO_CGROUP) already placed the process in paths.v2 */
  addProcess(pid: number, opts?: { v2?: boolean }): void;
  apply(resources: LinuxResources): void;
  freeze(): void;
  thaw(): void;
  state(): "frozen" | "thawed";
  pids(): number[];
  killAll(signal: number): void;
  destroy(): void;
  stats(): CgroupStats;
  oomCount(): number;
}

export interface LoadOptions {
  /** test: /sys/kernel/mm/hugepages stand-in, for the hugetlb page sizes in stats() */
  hugePagesDir?: string;
  /** test: replaces bpf(2) for the v2 device filter */
  attachDeviceFilter?: DeviceFilterAttach;
  /** test: called after each mkdir, to populate a fake cgroup dir as the kernel would */
  onMkdir?: (dir: string) => void;
  /** called before each mkdir of a directory that does not exist yet (create records it first) */
  beforeMkdir?: (dir: string) => void;
  /** without privileges: device rules are never written (./rootless.ts) */
  rootless?: boolean;
}

export interface NewOptions extends LoadOptions {
  cgroupsPath?: string;
  id: string;
  /** test: a fake cgroupfs; prefixed to every mount point found in mountinfo */
  fsRoot?: string;
  /** test: mountinfo text instead of /proc/self/mountinfo */
  mountinfo?: string;
  /** test: /proc/self/cgroup text, for a relative cgroupsPath */
  selfCgroup?: string;
  /** the systemd driver: this unit (cgroupsPath is then its cgroup, src/cgroup/systemd-props.ts unitFor) */
  systemd?: SystemdUnit;
  /** rootless: the resources create will set, to know which hierarchies may be left out */
  resources?: LinuxResources;
  /** test: rootless access check of a cgroup path (an errno name, or undefined when writable) */
  access?: (p: string) => string | undefined;
  /** rootless: told of each cgroup left out (not writable, nothing asked of it) */
  skipped?: (dir: string, why: string) => void;
}

/** A resource group and the controller that implements it under each driver. */
interface Group {
  v2?: string;
  v1?: string;
  pick(r: LinuxResources): LinuxResources | undefined;
}

const some = <T>(v: T | undefined | null | false | "" | 0): v is T => v !== undefined && v !== null && v !== false && v !== "" && v !== 0;

const GROUPS: Group[] = [
  { v2: "pids", v1: "pids", pick: (r) => (r.pids ? { pids: r.pids } : undefined) },
  { v2: "memory", v1: "memory", pick: (r) => (r.memory ? { memory: r.memory } : undefined) },
  { v2: "io", v1: "blkio", pick: (r) => (r.blockIO ? { blockIO: r.blockIO } : undefined) },
  {
    v2: "cpu", v1: "cpu",
    pick: (r) => (r.cpu ? { cpu: { ...r.cpu, cpus: undefined, mems: undefined } } : undefined),
  },
  {
    v2: "cpuset", v1: "cpuset",
    pick: (r) => (some(r.cpu?.cpus) || some(r.cpu?.mems) ? { cpu: { cpus: r.cpu?.cpus, mems: r.cpu?.mems } } : undefined),
  },
  { v2: "hugetlb", v1: "hugetlb", pick: (r) => (r.hugepageLimits?.length ? { hugepageLimits: r.hugepageLimits } : undefined) },
  { v2: "rdma", v1: "rdma", pick: (r) => (r.rdma && Object.keys(r.rdma).length ? { rdma: r.rdma } : undefined) },
  { v1: "net_cls", pick: (r) => (some(r.network?.classID) ? { network: { classID: r.network!.classID } } : undefined) },
  { v1: "net_prio", pick: (r) => (r.network?.priorities?.length ? { network: { priorities: r.network.priorities } } : undefined) },
  { v2: "", pick: (r) => (r.unified && Object.keys(r.unified).length ? { unified: r.unified } : undefined) },
];

function merge(into: LinuxResources, piece: LinuxResources): void {
  for (const [k, v] of Object.entries(piece) as Array<[keyof LinuxResources, unknown]>) {
    if (k === "cpu" || k === "network") Object.assign(((into as Record<string, unknown>)[k] ??= {}) as object, v);
    else (into as Record<string, unknown>)[k] = v;
  }
}

const unavailable = (w: CgroupWrite, why?: string) =>
  new TsrunError(`cgroup: ${w.controller} controller not available (${w.file})${why ? `: enabling it failed: ${why}` : ""}`);

class Manager implements CgroupManager {
  private readonly v2?: V2Driver;
  private readonly v1: V1Driver;

  constructor(
    readonly paths: CgroupPaths,
    private readonly opts: LoadOptions,
    mountpoints?: { v2?: string; v1: Record<string, string> },
  ) {
    if (paths.v2) this.v2 = new V2Driver(paths.v2, mountpoints?.v2, opts.onMkdir, opts.beforeMkdir);
    this.v1 = new V1Driver(paths.v1 ?? {}, mountpoints?.v1, opts.onMkdir, opts.beforeMkdir);
  }

  /** Which driver a resource group goes to (see the file comment). */
  private driverFor(g: Group): "v1" | "v2" {
    if (g.v2 !== undefined && this.v2 && (g.v2 === "" || this.v2.controllers().has(g.v2))) return "v2";
    if (g.v1 !== undefined && this.v1.has(g.v1)) return "v1";
    // Nowhere: map with the driver the host would use, so the error names the right file.
    const hasV1 = Object.keys(this.paths.v1 ?? {}).some((c) => !c.startsWith("name="));
    if (g.v1 === undefined || (!hasV1 && this.v2)) return "v2";
    return "v1";
  }

  private probes(real: boolean): { v1: CgroupProbe; v2: CgroupProbe } {
    if (!real) return { v1: emptyProbe, v2: emptyProbe };
    return {
      v2: { exists: (_c, f) => !!this.v2 && exists(this.v2.file(f)), read: (_c, f) => this.v2?.read(f) },
      v1: { exists: (c, f) => this.v1.has(c) && exists(path.join(this.v1.dir(c), f)), read: (c, f) => this.v1.read(c, f) },
    };
  }

  /** The writes for `res`, split by driver; throws for anything that cannot be applied. */
  private plan(res: LinuxResources, real: boolean): { v1: CgroupWrite[]; v2: CgroupWrite[] } {
    const parts: { v1: LinuxResources; v2: LinuxResources } = { v1: {}, v2: {} };
    for (const g of GROUPS) {
      const piece = g.pick(res);
      if (piece) merge(parts[this.driverFor(g)], piece);
    }
    const probes = this.probes(real);
    const w2 = Object.keys(parts.v2).length ? mapV2(parts.v2, probes.v2) : [];
    const w1 = Object.keys(parts.v1).length ? mapV1(parts.v1, probes.v1) : [];
    const avail = this.v2?.controllers() ?? new Set<string>();
    const hybrid = Object.keys(this.paths.v1 ?? {}).some((c) => !c.startsWith("name="));
    for (const w of w2) {
      if (this.v2 && (w.controller === "cgroup" || avail.has(w.controller))) continue;
      if (hybrid && parts.v2.unified?.[w.file] !== undefined) throw unifiedOnV1([w.file], `the ${w.controller} controller is not on cgroup2 here`);
      throw unavailable(w, this.v2?.refused.get(w.controller));
    }
    for (const w of w1) if (!this.v1.has(w.controller)) throw unavailable(w, this.v2?.refused.get(w.controller));
    return { v1: w1, v2: w2 };
  }

  /** Device writes (v1) or program (v2); undefined when devices are left alone. */
  private devicePlan(res: LinuxResources, always: boolean): { v1?: CgroupWrite[]; v2?: Buffer } | undefined {
    if (this.opts.rootless || (!always && res.devices === undefined)) return undefined;
    const rules = normalizeDeviceRules(res.devices);
    if (this.v1.has("devices")) return { v1: mapV1Devices(rules) };
    if (this.v2) return { v2: encodeProgram(generateDeviceProgram(rules)) };
    if (res.devices?.length) throw new TsrunError("cgroup: devices controller not available (devices.allow)");
    return undefined;
  }

  create(resources: LinuxResources = {}): void {
    // Everything that can be refused is refused before the first mkdir.
    this.plan(resources, false);
    this.devicePlan(resources, true);
    const created = (this.paths.created ??= []);
    this.v1.create(created);
    this.v2?.create(created);
    this.applyWith(resources, true);
  }

  apply(resources: LinuxResources): void {
    this.applyWith(resources, false);
  }

  private applyWith(res: LinuxResources, isCreate: boolean): void {
    const { v1, v2 } = this.plan(res, true);
    const devices = this.devicePlan(res, isCreate);
    const later: Array<() => void> = [];
    const run = (w: CgroupWrite, write: () => void) => {
      try {
        write();
      } catch (e) {
        if (!w.retryLater || codeOf(e) !== "EINVAL") throw e;
        later.push(write);
      }
    };
    for (const w of v1) run(w, () => this.v1.write(w.controller, w.file, w.value));
    for (const w of v2) run(w, () => this.v2!.write(w.file, w.value));
    for (const write of later) write();
    for (const w of devices?.v1 ?? []) this.v1.write(w.controller, w.file, w.value);
    if (devices?.v2) {
      const attach = this.opts.attachDeviceFilter ?? attachDeviceFilter;
      this.v2!.attachDevices(devices.v2, DEVICE_PROG_LICENSE, attach);
    }
  }

  addProcess(pid: number, opts: { v2?: boolean } = {}): void {
    this.v1.addProcess(pid);
    if (this.v2 && opts.v2 !== false) this.v2.addProcess(pid);
  }

  private freezer(): V1Driver | V2Driver {
    if (this.v1.has("freezer")) return this.v1;
    if (this.v2) return this.v2;
    throw new TsrunError("cgroup: freezer controller not available (freezer.state)");
  }

  freeze(): void {
    this.freezer().freeze();
  }

  thaw(): void {
    this.freezer().thaw();
  }

  state(): "frozen" | "thawed" {
    if (!this.v1.has("freezer") && !this.v2) return "thawed";
    return this.freezer().frozen() ? "frozen" : "thawed";
  }

  pids(): number[] {
    const all = new Set<number>(this.v2 ? this.v2.pids() : []);
    for (const p of this.v1.pids()) all.add(p);
    return [...all].sort((a, b) => a - b);
  }

  killAll(signal: number): void {
    const wasFrozen = this.state() === "frozen";
    if (signal === 9 && this.v2?.exists() && this.v2.kill()) {
      // A process that joined only the v1 hierarchies (hybrid host) is not in cgroup2's list.
      for (const pid of this.v1.pids()) {
        try { process.kill(pid, 9); } catch { /* already gone */ }
      }
      // v1-frozen tasks only die once thawed.
      if (wasFrozen && this.v1.has("freezer")) this.v1.thaw();
      return;
    }
    // Freeze first so nothing forks between listing and signalling (as runc does).
    let froze = false;
    if (!wasFrozen) {
      try {
        this.freeze();
        froze = true;
      } catch {
        /* no freezer: signal anyway */
      }
    }
    try {
      for (const pid of this.pids()) {
        try {
          process.kill(pid, signal);
        } catch (e) {
          if (codeOf(e) !== "ESRCH") throw new TsrunError(`kill \`pid ${pid}\`: ${codeOf(e) ?? String(e)}`, codeOf(e));
        }
      }
    } finally {
      if (froze || (wasFrozen && signal === 9)) {
        try { this.thaw(); } catch { /* gone already */ }
      }
    }
  }

  destroy(): void {
    for (let i = 0; i < 100 && this.pids().length > 0; i++) sleepMs(10);
    const leaves = [...(this.v2 ? [this.v2.dir] : []), ...this.v1.dirs()];
    let first: unknown;
    for (const d of leaves) {
      try {
        removeCgroupTree(d);
        fault("cgroup-remove-middle");
      } catch (e) {
        first ??= e;
      }
    }
    // Parents tsrun made, deepest first, if nobody else uses them now.
    const parents = (this.paths.created ?? []).filter((d) => !leaves.includes(d));
    parents.sort((a, b) => b.split("/").length - a.split("/").length);
    for (const d of parents) {
      try { rmdirIfUnused(d); } catch (e) { first ??= e; }
    }
    if (first) throw first;
  }

  oomCount(): number {
    if (this.v1.has("memory")) return this.v1.oomKills();
    return this.v2?.oomKills() ?? 0;
  }

  stats(): CgroupStats {
    const s = emptyStats();
    const v1 = (c: string): sc.FileReader => (f) => this.v1.read(c, f);
    const v2: sc.FileReader = (f) => this.v2?.read(f);
    const on = (v2name: string, v1name: string) => this.driverFor({ v2: v2name, v1: v1name, pick: () => undefined });
    let pageSizes: string[] = [];
    try {
      pageSizes = sc.hugePageSizes(fs.readdirSync(this.opts.hugePagesDir ?? "/sys/kernel/mm/hugepages"));
    } catch {
      /* no hugetlb support */
    }
    if (on("cpu", "cpu") === "v1") {
      sc.statCpuV1(v1("cpu"), s);
      sc.statCpuacctV1(v1("cpuacct"), s);
    } else sc.statCpuV2(v2, s);
    if (this.v1.has("cpuset")) sc.statCpusetV1(v1("cpuset"), s);
    if (on("memory", "memory") === "v1") sc.statMemoryV1(v1("memory"), s);
    else sc.statMemoryV2(v2, s);
    if (on("pids", "pids") === "v1") sc.statPidsV1(v1("pids"), s);
    else sc.statPidsV2(v2, s);
    if (on("io", "blkio") === "v1") sc.statBlkioV1(v1("blkio"), s);
    else sc.statIoV2(v2, s);
    if (on("hugetlb", "hugetlb") === "v1") sc.statHugetlbV1(v1("hugetlb"), s, pageSizes);
    else sc.statHugetlbV2(v2, s, pageSizes);
    return s;
  }
}

export function newCgroupManager(opts: NewOptions): CgroupManager {
  const mountinfo = opts.mountinfo ?? readOptional("/proc/self/mountinfo") ?? "";
  const mounts = parseMountinfo(mountinfo);
  const inner = innerPath(opts.cgroupsPath, opts.id);
  const self = inner.startsWith("/") ? new Map<string, string>() : parseProcCgroup(opts.selfCgroup ?? readOptional("/proc/self/cgroup") ?? "");
  const all = resolvePaths(mounts, inner, self, opts.fsRoot);
  const r = opts.rootless ? rootlessPaths(all, opts.resources, opts.access ?? writableProbe, opts.skipped) : all;
  const paths: CgroupPaths = { created: [] };
  if (r.v2) paths.v2 = r.v2.dir;
  const v1: Record<string, string> = {};
  const mnt1: Record<string, string> = {};
  for (const [c, p] of Object.entries(r.v1)) {
    v1[c] = p.dir;
    mnt1[c] = p.mountpoint;
  }
  if (Object.keys(v1).length) paths.v1 = v1;
  const m = new Manager(paths, opts, { v2: r.v2?.mountpoint, v1: mnt1 });
  return opts.systemd ? new SystemdManager(m, opts.systemd, opts.id, true) : m;
}

export function loadCgroupManager(paths: CgroupPaths, opts: LoadOptions = {}): CgroupManager {
  const m = new Manager(paths ?? {}, opts);
  return paths?.systemd ? new SystemdManager(m, paths.systemd, "", false) : m;
}
