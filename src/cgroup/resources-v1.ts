/**
 * cgroup v1: OCI linux.resources -> ordered list of file writes, with v1 file names and v1
 * units (no conversions: the OCI resources were modelled on v1). Pure, like resources-v2.ts.
 * Write order and the memory/swap and period/quota orderings follow runc's fs driver.
 */
import { TsrunError } from "../errors.js";
import { normalizeDeviceRules, v1DeviceLine, type DeviceRule } from "./devices.js";
import { checkPageSize, pidsMax, rdmaLine } from "./resources-v2.js";
import { type CgroupProbe, type CgroupWrite, type LinuxResources, isInt } from "./types.js";

const W = (controller: string, file: string, value: string | number, retryLater = false): CgroupWrite =>
  retryLater ? { controller, file, value: String(value), retryLater } : { controller, file, value: String(value) };

const MEM_LIMIT = "memory.limit_in_bytes";
const MEMSW_LIMIT = "memory.memsw.limit_in_bytes";
const KMEM_TCP_LIMIT = "memory.kmem.tcp.limit_in_bytes";

function mapMemory(mem: NonNullable<LinuxResources["memory"]>, probe: CgroupProbe, out: CgroupWrite[]): void {
  const limit = mem.limit ?? 0;
  let swap = mem.swap ?? 0;
  // Unlimited memory with swap unset means unlimited swap too (when swap accounting exists).
  if (limit === -1 && swap === 0 && probe.exists("memory", MEMSW_LIMIT)) swap = -1;
  if (swap !== 0 && swap !== -1 && limit > 0 && swap < limit) {
    throw new TsrunError(`cgroup: linux.resources.memory.swap (${swap}) must be >= memory.limit (${limit}): it counts memory+swap`);
  }
  const memW = limit !== 0 ? [W("memory", MEM_LIMIT, limit)] : [];
  const swapW = swap !== 0 ? [W("memory", MEMSW_LIMIT, swap)] : [];
  // The kernel wants memory <= memory+swap at every step: raise swap first when the new
  // swap is above the current memory limit (or unlimited), else lower memory first.
  let swapFirst = false;
  if (limit !== 0 && swap !== 0) {
    const cur = BigInt((probe.read("memory", MEM_LIMIT) ?? "").trim() || "0");
    swapFirst = swap === -1 || cur < BigInt(swap);
  }
  out.push(...(swapFirst ? [...swapW, ...memW] : [...memW, ...swapW]));
  // kernel: ignored (as runc): kernel 6.x accepts memory.kmem.limit_in_bytes and applies nothing.
  // kernelTCP: still a working v1 knob (runc 1.1 ignores it; the spec does not): set when the file exists.
  const tcp = mem.kernelTCP;
  if (tcp !== undefined && tcp !== 0 && probe.exists("memory", KMEM_TCP_LIMIT)) out.push(W("memory", KMEM_TCP_LIMIT, tcp));
  if (mem.reservation !== undefined && mem.reservation !== 0) out.push(W("memory", "memory.soft_limit_in_bytes", mem.reservation));
  if (mem.disableOOMKiller === true) out.push(W("memory", "memory.oom_control", 1));
  // swappiness is a uint64 in the spec; -1 (or its uint64 wrap) means "leave alone".
  const sw = mem.swappiness;
  if (sw !== undefined && sw !== -1 && sw < 2 ** 63) {
    if (!isInt(sw) || sw < 0 || sw > 100) {
      throw new TsrunError(`cgroup: linux.resources.memory.swappiness: ${sw} is outside 0..100`);
    }
    out.push(W("memory", "memory.swappiness", sw));
  }
}

function mapCpu(cpu: NonNullable<LinuxResources["cpu"]>, out: CgroupWrite[]): void {
  if (cpu.shares !== undefined && cpu.shares !== 0) out.push(W("cpu", "cpu.shares", cpu.shares));
  const quota = cpu.quota ?? 0;
  // period and burst are each checked against the current quota: retry them after it.
  if (cpu.period !== undefined && cpu.period !== 0) out.push(W("cpu", "cpu.cfs_period_us", cpu.period, quota !== 0));
  if (cpu.burst !== undefined) out.push(W("cpu", "cpu.cfs_burst_us", cpu.burst, quota !== 0));
  if (quota !== 0) out.push(W("cpu", "cpu.cfs_quota_us", quota));
  if (cpu.idle !== undefined) out.push(W("cpu", "cpu.idle", cpu.idle));
  const rtRuntime = cpu.realtimeRuntime ?? 0;
  if (cpu.realtimePeriod !== undefined && cpu.realtimePeriod !== 0) {
    out.push(W("cpu", "cpu.rt_period_us", cpu.realtimePeriod, rtRuntime !== 0));
  }
  if (rtRuntime !== 0) out.push(W("cpu", "cpu.rt_runtime_us", rtRuntime));
  if (cpu.cpus) out.push(W("cpuset", "cpuset.cpus", cpu.cpus));
  if (cpu.mems) out.push(W("cpuset", "cpuset.mems", cpu.mems));
}

function mapBlkio(bio: NonNullable<LinuxResources["blockIO"]>, probe: CgroupProbe, out: CgroupWrite[]): void {
  // CFQ's files when present, else BFQ's (kernel 5.0+ has no CFQ).
  const cfq = probe.exists("blkio", "blkio.weight");
  const weightFile = cfq ? "blkio.weight" : "blkio.bfq.weight";
  const weightDevFile = cfq ? "blkio.weight_device" : "blkio.bfq.weight_device";
  if (bio.weight !== undefined && bio.weight !== 0) out.push(W("blkio", weightFile, bio.weight));
  if (bio.leafWeight !== undefined && bio.leafWeight !== 0) out.push(W("blkio", "blkio.leaf_weight", bio.leafWeight));
  for (const wd of bio.weightDevice ?? []) {
    if (wd.weight) out.push(W("blkio", weightDevFile, `${wd.major}:${wd.minor} ${wd.weight}`));
    if (wd.leafWeight) out.push(W("blkio", "blkio.leaf_weight_device", `${wd.major}:${wd.minor} ${wd.leafWeight}`));
  }
  const throttles: Array<[keyof typeof bio, string]> = [
    ["throttleReadBpsDevice", "blkio.throttle.read_bps_device"],
    ["throttleWriteBpsDevice", "blkio.throttle.write_bps_device"],
    ["throttleReadIOPSDevice", "blkio.throttle.read_iops_device"],
    ["throttleWriteIOPSDevice", "blkio.throttle.write_iops_device"],
  ];
  for (const [field, file] of throttles) {
    for (const td of (bio[field] as Array<{ major: number; minor: number; rate?: number }> | undefined) ?? []) {
      out.push(W("blkio", file, `${td.major}:${td.minor} ${td.rate ?? 0}`));
    }
  }
}

/** runc's refusal of linux.resources.unified on a host whose controllers are on cgroup v1, with tsrun's detail. */
export function unifiedOnV1(keys: string[], detail: string): TsrunError {
  return new TsrunError(`invalid configuration: cannot use unified on cgroup v1 (linux.resources.unified sets ${keys.map((k) => JSON.stringify(k)).join(", ")}: ${detail})`);
}

/** Everything but devices (see mapV1Devices), in runc's fs driver order. */
export function mapV1(res: LinuxResources, probe: CgroupProbe): CgroupWrite[] {
  const out: CgroupWrite[] = [];
  if (res.unified && Object.keys(res.unified).length > 0) {
    throw unifiedOnV1(Object.keys(res.unified), "cgroup v2 files");
  }
  if (res.cpu) mapCpu(res.cpu, out);
  if (res.memory) mapMemory(res.memory, probe, out);
  if (res.pids?.limit !== undefined) out.push(W("pids", "pids.max", pidsMax(res.pids.limit)));
  if (res.blockIO) mapBlkio(res.blockIO, probe, out);
  (res.hugepageLimits ?? []).forEach((h, i) => {
    checkPageSize(h.pageSize, `linux.resources.hugepageLimits[${i}]`);
    out.push(W("hugetlb", `hugetlb.${h.pageSize}.limit_in_bytes`, h.limit));
    const rsvd = `hugetlb.${h.pageSize}.rsvd.limit_in_bytes`;
    if (probe.exists("hugetlb", rsvd)) out.push(W("hugetlb", rsvd, h.limit));
  });
  if (res.network?.classID !== undefined && res.network.classID !== 0) {
    out.push(W("net_cls", "net_cls.classid", res.network.classID));
  }
  for (const p of res.network?.priorities ?? []) {
    if (!p.name || /\s/.test(p.name)) throw new TsrunError(`cgroup: linux.resources.network.priorities: invalid interface name "${p.name}"`);
    out.push(W("net_prio", "net_prio.ifpriomap", `${p.name} ${p.priority}`));
  }
  for (const [dev, l] of Object.entries(res.rdma ?? {})) {
    const line = rdmaLine(dev, l);
    if (line) out.push(W("rdma", "rdma.max", line));
  }
  return out;
}

/**
 * v1 device writes: reset to deny-all, then each rule in order to devices.allow or
 * devices.deny. `rules` are normalized (defaults appended), see devices.ts.
 * Note: on a live cgroup the reset briefly denies everything before the allows land.
 */
export function mapV1Devices(rules: readonly DeviceRule[]): CgroupWrite[] {
  const out: CgroupWrite[] = [W("devices", "devices.deny", "a")];
  for (const r of rules) out.push(W("devices", r.allow ? "devices.allow" : "devices.deny", v1DeviceLine(r)));
  return out;
}

/** Convenience for tests and callers holding raw spec rules. */
export function mapV1DevicesFromSpec(devices: LinuxResources["devices"]): CgroupWrite[] {
  return mapV1Devices(normalizeDeviceRules(devices));
}
