/**
 * Container statistics and the exact JSON runc prints for `runc events --stats <id>`:
 *   {"type":"stats","id":"<id>","data":{"cpu":…,"cpuset":…,"memory":…,"pids":…,
 *    "blkio":…,"hugetlb":…,"intel_rdt":{},"network_interfaces":null}}
 * Field names, order and omission rules are runc's types/events.go (Go encoding/json:
 * `omitempty` drops 0, "" and empty lists/maps; `omitzero` drops all-zero structs).
 * Counters are bigint: uint64 values such as an unlimited v1 memory limit
 * (9223372036854771712) do not fit a JS number.
 */

export interface MemoryEntry {
  limit: bigint;
  usage: bigint;
  max: bigint;
  failcnt: bigint;
}

export interface BlkioEntry {
  major: bigint;
  minor: bigint;
  op: string;
  value: bigint;
}

export interface PSIData {
  avg10: number;
  avg60: number;
  avg300: number;
  total: bigint;
}
export interface PSIStats {
  some: PSIData;
  full: PSIData;
}

export interface CgroupStats {
  cpu: {
    usage: { total: bigint; percpu: bigint[]; percpuKernel: bigint[]; percpuUser: bigint[]; kernel: bigint; user: bigint };
    throttling: { periods: bigint; throttledPeriods: bigint; throttledTime: bigint };
    psi?: PSIStats;
  };
  cpuset: {
    cpus: number[];
    cpuExclusive: bigint;
    mems: number[];
    memHardwall: bigint;
    memExclusive: bigint;
    memoryMigrate: bigint;
    memorySpreadPage: bigint;
    memorySpreadSlab: bigint;
    memoryPressure: bigint;
    schedLoadBalance: bigint;
    schedRelaxDomainLevel: bigint;
  };
  memory: {
    cache: bigint;
    usage: MemoryEntry;
    swap: MemoryEntry;
    kernel: MemoryEntry;
    kernelTCP: MemoryEntry;
    raw: Record<string, bigint>;
    psi?: PSIStats;
  };
  pids: { current: bigint; limit: bigint };
  blkio: {
    ioServiceBytesRecursive: BlkioEntry[];
    ioServicedRecursive: BlkioEntry[];
    ioQueuedRecursive: BlkioEntry[];
    ioServiceTimeRecursive: BlkioEntry[];
    ioWaitTimeRecursive: BlkioEntry[];
    ioMergedRecursive: BlkioEntry[];
    ioTimeRecursive: BlkioEntry[];
    sectorsRecursive: BlkioEntry[];
    psi?: PSIStats;
  };
  /** by page size ("2MB"): usage, max usage (v1 only), failcnt */
  hugetlb: Record<string, { usage: bigint; max: bigint; failcnt: bigint }>;
}

const memEntry = (): MemoryEntry => ({ limit: 0n, usage: 0n, max: 0n, failcnt: 0n });

export function emptyStats(): CgroupStats {
  return {
    cpu: {
      usage: { total: 0n, percpu: [], percpuKernel: [], percpuUser: [], kernel: 0n, user: 0n },
      throttling: { periods: 0n, throttledPeriods: 0n, throttledTime: 0n },
    },
    cpuset: {
      cpus: [], cpuExclusive: 0n, mems: [], memHardwall: 0n, memExclusive: 0n, memoryMigrate: 0n,
      memorySpreadPage: 0n, memorySpreadSlab: 0n, memoryPressure: 0n, schedLoadBalance: 0n, schedRelaxDomainLevel: 0n,
    },
    memory: { cache: 0n, usage: memEntry(), swap: memEntry(), kernel: memEntry(), kernelTCP: memEntry(), raw: {} },
    pids: { current: 0n, limit: 0n },
    blkio: {
      ioServiceBytesRecursive: [], ioServicedRecursive: [], ioQueuedRecursive: [], ioServiceTimeRecursive: [],
      ioWaitTimeRecursive: [], ioMergedRecursive: [], ioTimeRecursive: [], sectorsRecursive: [],
    },
    hugetlb: {},
  };
}

// ---- Go encoding/json emulation -------------------------------------------------------

/** Marker for a value to leave out (omitempty / omitzero). */
const OMIT = Symbol("omit");
type J = bigint | number | string | boolean | null | J[] | { [k: string]: J } | typeof OMIT;

const isZero = (v: unknown): boolean =>
  v === OMIT || v === 0n || v === 0 || v === "" || v === false || v === null || v === undefined ||
  (Array.isArray(v) && v.length === 0) ||
  (typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every(isZero));

/** omitempty for scalars/lists/maps, and omitzero for structs: same test here. */
const opt = (v: J): J => (isZero(v) ? OMIT : v);

const sortedMap = <T>(m: Record<string, T>, f: (v: T) => J): { [k: string]: J } => {
  const o: { [k: string]: J } = {};
  for (const k of Object.keys(m).sort()) o[k] = f(m[k]);
  return o;
};

const psiJ = (p: PSIStats | undefined): J => {
  if (!p) return OMIT;
  const d = (x: PSIData): J => ({ avg10: x.avg10, avg60: x.avg60, avg300: x.avg300, total: x.total });
  return { some: opt(d(p.some)), full: opt(d(p.full)) };
};
const memJ = (m: MemoryEntry): J => opt({ limit: m.limit, usage: opt(m.usage), max: opt(m.max), failcnt: m.failcnt });
const blkJ = (l: BlkioEntry[]): J =>
  opt(l.map((e) => ({ major: opt(e.major), minor: opt(e.minor), op: opt(e.op), value: opt(e.value) })));

/** The `data` object of a runc stats event, as a JSON-ready tree (bigints kept exact). */
export function runcStatsData(s: CgroupStats): J {
  const u = s.cpu.usage;
  return {
    cpu: {
      usage: opt({
        total: opt(u.total), percpu: opt(u.percpu), percpu_kernel: opt(u.percpuKernel),
        percpu_user: opt(u.percpuUser), kernel: u.kernel, user: u.user,
      }),
      throttling: opt({
        periods: opt(s.cpu.throttling.periods),
        throttledPeriods: opt(s.cpu.throttling.throttledPeriods),
        throttledTime: opt(s.cpu.throttling.throttledTime),
      }),
      psi: psiJ(s.cpu.psi),
    },
    cpuset: {
      cpus: opt(s.cpuset.cpus), cpu_exclusive: s.cpuset.cpuExclusive, mems: opt(s.cpuset.mems),
      mem_hardwall: s.cpuset.memHardwall, mem_exclusive: s.cpuset.memExclusive, memory_migrate: s.cpuset.memoryMigrate,
      memory_spread_page: s.cpuset.memorySpreadPage, memory_spread_slab: s.cpuset.memorySpreadSlab,
      memory_pressure: s.cpuset.memoryPressure, sched_load_balance: s.cpuset.schedLoadBalance,
      sched_relax_domain_level: s.cpuset.schedRelaxDomainLevel,
    },
    memory: {
      cache: opt(s.memory.cache), usage: memJ(s.memory.usage), swap: memJ(s.memory.swap),
      kernel: memJ(s.memory.kernel), kernelTCP: memJ(s.memory.kernelTCP),
      raw: opt(sortedMap(s.memory.raw, (v) => v)), psi: psiJ(s.memory.psi),
    },
    pids: { current: opt(s.pids.current), limit: opt(s.pids.limit) },
    blkio: {
      ioServiceBytesRecursive: blkJ(s.blkio.ioServiceBytesRecursive),
      ioServicedRecursive: blkJ(s.blkio.ioServicedRecursive),
      ioQueueRecursive: blkJ(s.blkio.ioQueuedRecursive),
      ioServiceTimeRecursive: blkJ(s.blkio.ioServiceTimeRecursive),
      ioWaitTimeRecursive: blkJ(s.blkio.ioWaitTimeRecursive),
      ioMergedRecursive: blkJ(s.blkio.ioMergedRecursive),
      ioTimeRecursive: blkJ(s.blkio.ioTimeRecursive),
      sectorsRecursive: blkJ(s.blkio.sectorsRecursive),
      psi: psiJ(s.blkio.psi),
    },
    hugetlb: sortedMap(s.hugetlb, (h) => ({ usage: opt(h.usage), max: opt(h.max), failcnt: h.failcnt })),
    intel_rdt: {},
    network_interfaces: null,
  };
}

/** Go's float64 formatting for the PSI averages (strconv 'g'-ish, shortest round-trip). */
function goFloat(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  const a = Math.abs(n);
  if (a !== 0 && (a < 1e-6 || a >= 1e21)) {
    return n.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
  }
  return String(n);
}

/** Compact JSON like Go's encoder (no spaces, keys in the given order, HTML-safe). */
export function goJson(v: J): string {
  if (v === null) return "null";
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return goFloat(v);
  if (typeof v === "boolean") return String(v);
  if (typeof v === "string") {
    return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  }
  if (Array.isArray(v)) return `[${v.filter((x) => x !== OMIT).map(goJson).join(",")}]`;
  if (typeof v === "object") {
    const parts: string[] = [];
    for (const [k, x] of Object.entries(v)) if (x !== OMIT) parts.push(`${goJson(k)}:${goJson(x)}`);
    return `{${parts.join(",")}}`;
  }
  return "null";
}

/** One line exactly as `runc events --stats <id>` prints it (newline included). */
export function runcStatsEvent(id: string, s: CgroupStats): string {
  return goJson({ type: "stats", id, data: runcStatsData(s) }) + "\n";
}
