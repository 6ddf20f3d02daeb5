/**
 * Filling CgroupStats from cgroupfs files. Each collector gets `read(file)`, which returns
 * the file's text or undefined when the file does not exist, so the parsing is testable
 * against fake files. Units and sources follow runc (opencontainers/cgroups fs and fs2).
 */
import type { BlkioEntry, CgroupStats, MemoryEntry, PSIData, PSIStats } from "./stats.js";

export type FileReader = (file: string) => string | undefined;

export const U64_MAX = (1n << 64n) - 1n;

/** A single-number file; "max" is U64_MAX, negative values (v1 "-1") are 0. */
export function parseUint(text: string | undefined): bigint {
  const t = (text ?? "").trim();
  if (t === "" || t.startsWith("-")) return 0n;
  if (t === "max") return U64_MAX;
  return /^[0-9]+$/.test(t) ? BigInt(t) : 0n;
}

/** "key value" lines (memory.stat, cpu.stat, memory.events, …). */
export function parseKeyed(text: string | undefined): Map<string, bigint> {
  const m = new Map<string, bigint>();
  for (const line of (text ?? "").split("\n")) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) m.set(k, parseUint(v));
  }
  return m;
}

/** "0-3,8,10-11" -> [0,1,2,3,8,10,11] */
export function parseCpuList(text: string | undefined): number[] {
  const out: number[] = [];
  for (const part of (text ?? "").trim().split(",")) {
    if (part === "") continue;
    const [a, b] = part.split("-").map(Number);
    for (let i = a; i <= (b ?? a); i++) out.push(i);
  }
  return out;
}

/** cpu.pressure etc.: "some avg10=0.00 avg60=0.00 avg300=0.00 total=0" (+ "full …"). */
export function parsePsi(text: string | undefined): PSIStats | undefined {
  if (text === undefined) return undefined;
  const zero = (): PSIData => ({ avg10: 0, avg60: 0, avg300: 0, total: 0n });
  const psi: PSIStats = { some: zero(), full: zero() };
  for (const line of text.split("\n")) {
    const [kind, ...kv] = line.trim().split(/\s+/);
    if (kind !== "some" && kind !== "full") continue;
    for (const f of kv) {
      const [k, v] = f.split("=");
      if (k === "total") psi[kind].total = parseUint(v);
      else if (k === "avg10" || k === "avg60" || k === "avg300") psi[kind][k] = Number(v);
    }
  }
  return psi;
}

/** /sys/kernel/mm/hugepages entries ("hugepages-2048kB") -> page size names ("2MB"). */
export function hugePageSizes(entries: string[]): string[] {
  const out: string[] = [];
  for (const e of entries) {
    const m = /^hugepages-([0-9]+)kB$/.exec(e);
    if (!m) continue;
    let n = Number(m[1]);
    let unit = 0;
    while (n >= 1024 && n % 1024 === 0 && unit < 3) {
      n /= 1024;
      unit++;
    }
    out.push(`${n}${["KB", "MB", "GB", "TB"][unit]}`);
  }
  return out.sort();
}

// ---- cgroup v2 ------------------------------------------------------------------------

export function statCpuV2(read: FileReader, s: CgroupStats): void {
  const st = parseKeyed(read("cpu.stat"));
  const g = (k: string) => st.get(k) ?? 0n;
  s.cpu.usage.total = g("usage_usec") * 1000n;
  s.cpu.usage.user = g("user_usec") * 1000n;
  s.cpu.usage.kernel = g("system_usec") * 1000n;
  s.cpu.throttling.periods = g("nr_periods");
  s.cpu.throttling.throttledPeriods = g("nr_throttled");
  s.cpu.throttling.throttledTime = g("throttled_usec") * 1000n;
  s.cpu.psi = parsePsi(read("cpu.pressure"));
}

function memDataV2(read: FileReader, prefix: string): MemoryEntry | undefined {
  const cur = read(`${prefix}.current`);
  if (cur === undefined) return undefined;
  return { usage: parseUint(cur), limit: parseUint(read(`${prefix}.max`)), max: parseUint(read(`${prefix}.peak`)), failcnt: 0n };
}

export function statMemoryV2(read: FileReader, s: CgroupStats): void {
  const st = parseKeyed(read("memory.stat"));
  for (const [k, v] of st) s.memory.raw[k] = v;
  s.memory.cache = st.get("file") ?? 0n;
  const usage = memDataV2(read, "memory");
  if (usage) s.memory.usage = usage;
  // v1 reported swap as memory+swap; runc keeps that meaning on v2 (limit wraps as uint64).
  const swapOnly = memDataV2(read, "memory.swap") ?? { usage: 0n, limit: 0n, max: 0n, failcnt: 0n };
  const mem = s.memory.usage;
  s.memory.swap = {
    usage: BigInt.asUintN(64, swapOnly.usage + mem.usage),
    limit: swapOnly.limit === U64_MAX ? U64_MAX : BigInt.asUintN(64, swapOnly.limit + mem.limit),
    max: 0n,
    failcnt: 0n,
  };
  s.memory.psi = parsePsi(read("memory.pressure"));
}

export function statPidsV2(read: FileReader, s: CgroupStats): void {
  const cur = read("pids.current");
  if (cur === undefined) {
    // controller not enabled: count the processes instead
    const procs = read("cgroup.procs") ?? "";
    s.pids.current = BigInt(procs.split("\n").filter((l) => l.trim() !== "").length);
    s.pids.limit = 0n;
    return;
  }
  s.pids.current = parseUint(cur);
  const max = parseUint(read("pids.max"));
  s.pids.limit = max === U64_MAX ? 0n : max;
}

export function statIoV2(read: FileReader, s: CgroupStats): void {
  for (const line of (read("io.stat") ?? "").split("\n")) {
    const [dev, ...kv] = line.trim().split(/\s+/);
    const mm = /^([0-9]+):([0-9]+)$/.exec(dev ?? "");
    if (!mm) continue;
    for (const f of kv) {
      const [k, v] = f.split("=");
      const e = (op: string): BlkioEntry => ({ major: BigInt(mm[1]), minor: BigInt(mm[2]), op, value: parseUint(v) });
      if (k === "rbytes") s.blkio.ioServiceBytesRecursive.push(e("Read"));
      else if (k === "wbytes") s.blkio.ioServiceBytesRecursive.push(e("Write"));
      else if (k === "rios") s.blkio.ioServicedRecursive.push(e("Read"));
      else if (k === "wios") s.blkio.ioServicedRecursive.push(e("Write"));
    }
  }
  s.blkio.psi = parsePsi(read("io.pressure"));
}

export function statHugetlbV2(read: FileReader, s: CgroupStats, pageSizes: string[]): void {
  for (const ps of pageSizes) {
    const cur = read(`hugetlb.${ps}.rsvd.current`) ?? read(`hugetlb.${ps}.current`);
    if (cur === undefined) continue;
    s.hugetlb[ps] = { usage: parseUint(cur), max: 0n, failcnt: parseKeyed(read(`hugetlb.${ps}.events`)).get("max") ?? 0n };
  }
}

// ---- cgroup v1 ------------------------------------------------------------------------

export function statCpuV1(read: FileReader, s: CgroupStats): void {
  const st = parseKeyed(read("cpu.stat"));
  s.cpu.throttling.periods = st.get("nr_periods") ?? 0n;
  s.cpu.throttling.throttledPeriods = st.get("nr_throttled") ?? 0n;
  s.cpu.throttling.throttledTime = st.get("throttled_time") ?? 0n;
}

/** cpuacct: user/system in USER_HZ (100) ticks, the rest in nanoseconds. */
export function statCpuacctV1(read: FileReader, s: CgroupStats): void {
  const st = parseKeyed(read("cpuacct.stat"));
  s.cpu.usage.user = ((st.get("user") ?? 0n) * 1000000000n) / 100n;
  s.cpu.usage.kernel = ((st.get("system") ?? 0n) * 1000000000n) / 100n;
  s.cpu.usage.total = parseUint(read("cpuacct.usage"));
  const words = (t: string | undefined) => (t ?? "").trim().split(/\s+/).filter((w) => w !== "");
  s.cpu.usage.percpu = words(read("cpuacct.usage_percpu")).map((w) => parseUint(w));
  const all = read("cpuacct.usage_all");
  if (all !== undefined) {
    const rows = all.split("\n").slice(1).map(words).filter((r) => r.length >= 3);
    s.cpu.usage.percpuUser = rows.map((r) => parseUint(r[1]));
    s.cpu.usage.percpuKernel = rows.map((r) => parseUint(r[2]));
  }
}

export function statCpusetV1(read: FileReader, s: CgroupStats): void {
  const c = s.cpuset;
  c.cpus = parseCpuList(read("cpuset.cpus"));
  c.mems = parseCpuList(read("cpuset.mems"));
  c.cpuExclusive = parseUint(read("cpuset.cpu_exclusive"));
  c.memHardwall = parseUint(read("cpuset.mem_hardwall"));
  c.memExclusive = parseUint(read("cpuset.mem_exclusive"));
  c.memoryMigrate = parseUint(read("cpuset.memory_migrate"));
  c.memorySpreadPage = parseUint(read("cpuset.memory_spread_page"));
  c.memorySpreadSlab = parseUint(read("cpuset.memory_spread_slab"));
  c.memoryPressure = parseUint(read("cpuset.memory_pressure"));
  c.schedLoadBalance = parseUint(read("cpuset.sched_load_balance"));
  c.schedRelaxDomainLevel = BigInt((read("cpuset.sched_relax_domain_level") ?? "0").trim() || "0");
}

function memDataV1(read: FileReader, prefix: string): MemoryEntry {
  if (read(`${prefix}.usage_in_bytes`) === undefined) return { limit: 0n, usage: 0n, max: 0n, failcnt: 0n };
  return {
    usage: parseUint(read(`${prefix}.usage_in_bytes`)),
    max: parseUint(read(`${prefix}.max_usage_in_bytes`)),
    failcnt: parseUint(read(`${prefix}.failcnt`)),
    limit: parseUint(read(`${prefix}.limit_in_bytes`)),
  };
}

export function statMemoryV1(read: FileReader, s: CgroupStats): void {
  const st = parseKeyed(read("memory.stat"));
  for (const [k, v] of st) s.memory.raw[k] = v;
  s.memory.cache = st.get("cache") ?? 0n;
  s.memory.usage = memDataV1(read, "memory");
  s.memory.swap = memDataV1(read, "memory.memsw");
  s.memory.kernel = memDataV1(read, "memory.kmem");
  s.memory.kernelTCP = memDataV1(read, "memory.kmem.tcp");
}

export function statPidsV1(read: FileReader, s: CgroupStats): void {
  s.pids.current = parseUint(read("pids.current"));
  const max = parseUint(read("pids.max"));
  s.pids.limit = max === U64_MAX ? 0n : max;
}

/** v1 blkio lines: "8:0 Read 1282048" or "8:0 6792"; "Total N" lines are skipped. */
export function parseBlkioV1(text: string): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/[\s:]+/);
    if (f.length < 3) continue;
    const [maj, min] = f;
    if (!/^[0-9]+$/.test(maj) || !/^[0-9]+$/.test(min)) continue;
    out.push(f.length >= 4
      ? { major: BigInt(maj), minor: BigInt(min), op: f[2], value: parseUint(f[3]) }
      : { major: BigInt(maj), minor: BigInt(min), op: "", value: parseUint(f[2]) });
  }
  return out;
}

/**
 * runc tries, in order, the BFQ debug set, the BFQ set, the CFQ set, the throttle
 * recursive set and the plain throttle set.
 */
export function statBlkioV1(read: FileReader, s: CgroupStats): void {
  const b = s.blkio;
  type Key = Exclude<keyof CgroupStats["blkio"], "psi">;
  const sets: Array<Array<[string, Key]>> = [
    [["blkio.bfq.sectors_recursive", "sectorsRecursive"], ["blkio.bfq.io_service_time_recursive", "ioServiceTimeRecursive"],
      ["blkio.bfq.io_wait_time_recursive", "ioWaitTimeRecursive"], ["blkio.bfq.io_merged_recursive", "ioMergedRecursive"],
      ["blkio.bfq.io_queued_recursive", "ioQueuedRecursive"], ["blkio.bfq.time_recursive", "ioTimeRecursive"],
      ["blkio.bfq.io_serviced_recursive", "ioServicedRecursive"], ["blkio.bfq.io_service_bytes_recursive", "ioServiceBytesRecursive"]],
    [["blkio.bfq.io_serviced_recursive", "ioServicedRecursive"], ["blkio.bfq.io_service_bytes_recursive", "ioServiceBytesRecursive"]],
    [["blkio.sectors_recursive", "sectorsRecursive"], ["blkio.io_service_time_recursive", "ioServiceTimeRecursive"],
      ["blkio.io_wait_time_recursive", "ioWaitTimeRecursive"], ["blkio.io_merged_recursive", "ioMergedRecursive"],
      ["blkio.io_queued_recursive", "ioQueuedRecursive"], ["blkio.time_recursive", "ioTimeRecursive"],
      ["blkio.io_serviced_recursive", "ioServicedRecursive"], ["blkio.io_service_bytes_recursive", "ioServiceBytesRecursive"]],
    [["blkio.throttle.io_serviced_recursive", "ioServicedRecursive"], ["blkio.throttle.io_service_bytes_recursive", "ioServiceBytesRecursive"]],
    [["blkio.throttle.io_serviced", "ioServicedRecursive"], ["blkio.throttle.io_service_bytes", "ioServiceBytesRecursive"]],
  ];
  // runc's quirk, kept for identical output: an empty (or absent) first file moves on to
  // the next set; an empty later file ends the search with what was found so far.
  for (const set of sets) {
    for (let i = 0; i < set.length; i++) {
      const [file, key] = set[i];
      const entries = parseBlkioV1(read(file) ?? "");
      if (entries.length === 0) {
        if (i === 0) break;
        return;
      }
      b[key] = entries;
      if (i === set.length - 1) return;
    }
  }
}

export function statHugetlbV1(read: FileReader, s: CgroupStats, pageSizes: string[]): void {
  for (const ps of pageSizes) {
    let p = `hugetlb.${ps}.rsvd`;
    if (read(`${p}.usage_in_bytes`) === undefined) p = `hugetlb.${ps}`;
    if (read(`${p}.usage_in_bytes`) === undefined) continue;
    s.hugetlb[ps] = {
      usage: parseUint(read(`${p}.usage_in_bytes`)),
      max: parseUint(read(`${p}.max_usage_in_bytes`)),
      failcnt: parseUint(read(`${p}.failcnt`)),
    };
  }
}
