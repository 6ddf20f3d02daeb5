/**
 * cgroup v2: OCI linux.resources -> ordered list of file writes. Pure: the only input from
 * the outside is the probe (optional files, current values). Conversions follow runc
 * (opencontainers/cgroups fs2 and utils.go); write order follows runc's fs2 Set: pids,
 * memory, io, cpu, cpuset, hugetlb, rdma, then unified (so unified keys win).
 * Devices are not here: on v2 they are a BPF program (devices-bpf.ts).
 */
import { TsrunError } from "../errors.js";
import { type CgroupProbe, type CgroupWrite, type LinuxResources, isInt } from "./types.js";

const W = (controller: string, file: string, value: string | number): CgroupWrite => ({ controller, file, value: String(value) });

function unsupported(field: string): TsrunError {
  return new TsrunError(`cgroup: linux.resources.${field} is not supported on cgroup v2`);
}

/**
 * cpu.shares (2..262144, v1) -> cpu.weight (1..10000, v2), runc >= 1.3.2's curve: a
 * quadratic in log2(shares) that maps 2 -> 1, 1024 -> 100 and 262144 -> 10000.
 * (runc before 1.3.2, and older crun, used the linear 1 + ((shares - 2) * 9999) / 262142.)
 * 0 means unset.
 */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  if (shares <= 2) return 1;
  if (shares >= 262144) return 10000;
  const l = Math.log2(shares);
  return Math.ceil(Math.pow(10, (l * l + 125 * l) / 612 - 7 / 34));
}

/** blkio.weight (10..1000) -> io.weight (1..10000), linearly. */
export function blkioWeightToIoWeight(weight: number): number {
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/**
 * OCI memory.swap is memory+swap; v2's memory.swap.max is swap alone. Returns the value
 * for memory.swap.max: -1 for "max", 0 for "leave alone" (runc's rules).
 */
export function swapToV2(swap: number, limit: number): number {
  if (limit === -1 && swap === 0) return -1;
  if (swap === -1 || swap === 0) return swap;
  if (limit === -1) return swap;
  if (limit === 0) throw new TsrunError("cgroup: linux.resources.memory.swap: cannot set a swap limit without a memory limit");
  if (limit < 0) throw new TsrunError(`cgroup: linux.resources.memory.limit: invalid value ${limit}`);
  if (swap < limit) {
    throw new TsrunError(`cgroup: linux.resources.memory.swap (${swap}) must be >= memory.limit (${limit}): it counts memory+swap`);
  }
  return swap - limit;
}

/** A value for a .max/.low file: -1 is "max". */
const limitStr = (v: number) => (v === -1 ? "max" : String(v));

/** "2MB", "1GB", "64KB": what hugetlb.<size>.* file names use. */
export const PAGE_SIZE_RE = /^[0-9]+[KMGT]B$/;

export function checkPageSize(pageSize: string, where: string): void {
  if (!PAGE_SIZE_RE.test(pageSize)) throw new TsrunError(`${where}.pageSize: invalid hugepage size "${pageSize}" (e.g. 2MB)`);
}

/** Keys of linux.resources.unified: a file name `<controller>.<name>`, nothing else. */
export function checkUnifiedKey(key: string): string {
  if (key.includes("/") || key === "." || key === ".." || !/^[a-z_]+\.[A-Za-z0-9_.]+$/.test(key)) {
    throw new TsrunError(`cgroup: linux.resources.unified: invalid key "${key}" (want a file name like "memory.high")`);
  }
  return key.slice(0, key.indexOf("."));
}

export function rdmaLine(device: string, l: { hcaHandles?: number; hcaObjects?: number }): string | undefined {
  if (/\s/.test(device) || device === "") throw new TsrunError(`cgroup: linux.resources.rdma: invalid device name "${device}"`);
  let s = device;
  if (l.hcaHandles !== undefined) s += ` hca_handle=${l.hcaHandles}`;
  if (l.hcaObjects !== undefined) s += ` hca_object=${l.hcaObjects}`;
  return s === device ? undefined : s;
}

/** pids.limit -> pids.max (runc >= 1.4 / runtime-spec: >0 a limit, 0 is "1", <0 "max"). */
export function pidsMax(limit: number): string {
  return limit > 0 ? String(limit) : limit === 0 ? "1" : "max";
}

export function mapV2(res: LinuxResources, probe: CgroupProbe): CgroupWrite[] {
  const out: CgroupWrite[] = [];

  if (res.pids?.limit !== undefined) out.push(W("pids", "pids.max", pidsMax(res.pids.limit)));

  const mem = res.memory;
  if (mem) {
    if (mem.disableOOMKiller === true) throw unsupported("memory.disableOOMKiller");
    const limit = mem.limit ?? 0;
    const reservation = mem.reservation ?? 0;
    const swapIn = mem.swap ?? 0;
    if (limit !== 0 || reservation !== 0 || swapIn !== 0) {
      if (mem.checkBeforeUpdate && limit > 0) {
        const cur = Number(probe.read("memory", "memory.current") ?? NaN);
        if (cur > limit) {
          throw new TsrunError(`cgroup: memory.max: new limit ${limit} is below the current usage ${cur} (checkBeforeUpdate)`);
        }
      }
      const swap = swapToV2(swapIn, limit);
      let swapStr = swap === 0 ? "" : limitStr(swap);
      if (swap === 0 && swapIn > 0) swapStr = "0"; // memory == memory+swap: no swap at all
      // Without swap accounting there is no memory.swap.max; "max" and "0" are then moot.
      if (swapStr !== "" && (probe.exists("memory", "memory.swap.max") || (swapStr !== "max" && swapStr !== "0"))) {
        out.push(W("memory", "memory.swap.max", swapStr));
      }
      if (limit !== 0) out.push(W("memory", "memory.max", limitStr(limit)));
      if (reservation !== 0) out.push(W("memory", "memory.low", limitStr(reservation)));
    }
    // kernel, kernelTCP: obsolete, ignored (as runc). swappiness: no v2 knob, ignored (as runc).
  }

  const bio = res.blockIO;
  if (bio) {
    const bfq = probe.exists("io", "io.bfq.weight");
    if (bio.weight !== undefined && bio.weight !== 0) {
      if (!isInt(bio.weight) || bio.weight < 10 || bio.weight > 1000) {
        throw new TsrunError(`cgroup: linux.resources.blockIO.weight: ${bio.weight} is outside 10..1000`);
      }
      out.push(bfq ? W("io", "io.bfq.weight", bio.weight) : W("io", "io.weight", blkioWeightToIoWeight(bio.weight)));
    }
    // Per-device weights need BFQ with per-device support (kernel 5.4+: io.bfq.weight then
    // reads "default N" plus device lines, not a bare number). Otherwise skipped, as runc.
    const bfqCur = bfq ? (probe.read("io", "io.bfq.weight") ?? "").trim() : "";
    if (bfq && !/^[0-9]+$/.test(bfqCur)) {
      for (const wd of bio.weightDevice ?? []) {
        if (wd.weight) out.push(W("io", "io.bfq.weight", `${wd.major}:${wd.minor} ${wd.weight}`));
      }
    }
    const throttles: Array<[keyof typeof bio, string]> = [
      ["throttleReadBpsDevice", "rbps"],
      ["throttleWriteBpsDevice", "wbps"],
      ["throttleReadIOPSDevice", "riops"],
      ["throttleWriteIOPSDevice", "wiops"],
    ];
    for (const [field, key] of throttles) {
      for (const td of (bio[field] as Array<{ major: number; minor: number; rate?: number }> | undefined) ?? []) {
        out.push(W("io", "io.max", `${td.major}:${td.minor} ${key}=${td.rate ?? 0}`));
      }
    }
  }

  const cpu = res.cpu;
  if (cpu) {
    if (cpu.realtimeRuntime) throw unsupported("cpu.realtimeRuntime");
    if (cpu.realtimePeriod) throw unsupported("cpu.realtimePeriod");
    if (cpu.idle !== undefined) out.push(W("cpu", "cpu.idle", cpu.idle));
    const weight = sharesToWeight(cpu.shares ?? 0);
    if (weight !== 0) out.push(W("cpu", "cpu.weight", weight));
    const quota = cpu.quota ?? 0;
    const period = cpu.period ?? 0;
    // The kernel may refuse a burst above the current quota; then it goes in after cpu.max.
    if (cpu.burst !== undefined) out.push({ ...W("cpu", "cpu.max.burst", cpu.burst), retryLater: quota !== 0 });
    if (quota !== 0 || period !== 0) {
      out.push(W("cpu", "cpu.max", `${quota > 0 ? quota : "max"} ${period || 100000}`));
    }
    if (cpu.cpus) out.push(W("cpuset", "cpuset.cpus", cpu.cpus));
    if (cpu.mems) out.push(W("cpuset", "cpuset.mems", cpu.mems));
  }

  (res.hugepageLimits ?? []).forEach((h, i) => {
    checkPageSize(h.pageSize, `linux.resources.hugepageLimits[${i}]`);
    out.push(W("hugetlb", `hugetlb.${h.pageSize}.max`, h.limit));
    if (probe.exists("hugetlb", `hugetlb.${h.pageSize}.rsvd.max`)) out.push(W("hugetlb", `hugetlb.${h.pageSize}.rsvd.max`, h.limit));
  });

  for (const [dev, l] of Object.entries(res.rdma ?? {})) {
    const line = rdmaLine(dev, l);
    if (line) out.push(W("rdma", "rdma.max", line));
  }

  if (res.network && (res.network.classID !== undefined || (res.network.priorities?.length ?? 0) > 0)) {
    throw unsupported("network");
  }

  for (const key of Object.keys(res.unified ?? {}).sort()) {
    const controller = checkUnifiedKey(key);
    // Multi-line values are written a line at a time (io.max, rdma.max take one rule per write).
    for (const line of String(res.unified![key]).split("\n")) {
      if (line.trim() !== "") out.push(W(controller, key, line));
    }
  }
  return out;
}
