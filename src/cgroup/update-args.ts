/**
 * `tsrun update`: runc's flags (or a `-r` resources JSON) -> the LinuxResources to apply, and
 * the merge into the container's stored resources. Pure, unit-tested.
 * As in runc: memory values take units ("32m", "1g", 1024-based) or -1; with `-r` every
 * other flag is ignored; devices are never changed by update.
 */
import { TsrunError } from "../errors.js";
import { checkResources, parseResources } from "../spec/load.js";
import type { LinuxResources } from "./types.js";

export interface UpdateFlags {
  resources?: string;
  blkioWeight?: string;
  cpuPeriod?: string;
  cpuQuota?: string;
  cpuBurst?: string;
  cpuShare?: string;
  cpuShares?: string;
  cpuRtPeriod?: string;
  cpuRtRuntime?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  cpuIdle?: string;
  kernelMemory?: string;
  kernelMemoryTcp?: string;
  memory?: string;
  memoryReservation?: string;
  memorySwap?: string;
  pidsLimit?: string;
  l3CacheSchema?: string;
  memBwSchema?: string;
}

const UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** docker's RAMInBytes: "64", "64k", "32m", "32MiB", "1.5g" (1024-based); -1 stays -1. */
export function ramInBytes(flag: string, v: string): number {
  if (v === "-1") return -1;
  const m = /^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(v);
  if (!m) throw new TsrunError(`update: invalid value for --${flag}: "${v}"`);
  return Math.trunc(Number(m[1]) * UNITS[(m[2] ?? "").toLowerCase()]);
}

function int(flag: string, v: string, unsigned: boolean): number {
  if (!/^-?\d+$/.test(v) || (unsigned && v.startsWith("-"))) throw new TsrunError(`update: invalid value for --${flag}: "${v}"`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new TsrunError(`update: invalid value for --${flag}: "${v}" is out of range`);
  return n;
}

/** The resources named by the flags (no `-r`). Warnings are returned, not printed. */
export function resourcesFromFlags(f: UpdateFlags): { res: LinuxResources; warnings: string[] } {
  const res: LinuxResources = {};
  const cpu: NonNullable<LinuxResources["cpu"]> = {};
  const mem: NonNullable<LinuxResources["memory"]> = {};
  const warnings: string[] = [];
  if (f.blkioWeight !== undefined) {
    const w = int("blkio-weight", f.blkioWeight, true);
    if (w !== 0) res.blockIO = { weight: w };
  }
  if (f.cpusetCpus) cpu.cpus = f.cpusetCpus;
  if (f.cpusetMems) cpu.mems = f.cpusetMems;
  if (f.cpuIdle !== undefined && f.cpuIdle !== "") cpu.idle = int("cpu-idle", f.cpuIdle, false);
  const shares = f.cpuShare ?? f.cpuShares;
  if (shares !== undefined && shares !== "") cpu.shares = int("cpu-share", shares, true);
  if (f.cpuBurst) cpu.burst = int("cpu-burst", f.cpuBurst, true);
  if (f.cpuPeriod) cpu.period = int("cpu-period", f.cpuPeriod, true);
  if (f.cpuRtPeriod) cpu.realtimePeriod = int("cpu-rt-period", f.cpuRtPeriod, true);
  if (f.cpuQuota) cpu.quota = int("cpu-quota", f.cpuQuota, false);
  if (f.cpuRtRuntime) cpu.realtimeRuntime = int("cpu-rt-runtime", f.cpuRtRuntime, false);
  if (f.memory) mem.limit = ramInBytes("memory", f.memory);
  if (f.memorySwap) mem.swap = ramInBytes("memory-swap", f.memorySwap);
  if (f.memoryReservation) mem.reservation = ramInBytes("memory-reservation", f.memoryReservation);
  if (f.kernelMemory) warnings.push("Setting --kernel-memory is ignored and will be removed");
  if (f.kernelMemoryTcp) warnings.push("Setting --kernel-memory-tcp is ignored and will be removed");
  if (f.l3CacheSchema) throw new TsrunError("update: Intel RDT/CAT: l3 cache schema is not enabled");
  if (f.memBwSchema) throw new TsrunError("update: Intel RDT/MBA: memory bandwidth schema is not enabled");
  if (f.pidsLimit !== undefined) {
    const n = int("pids-limit", f.pidsLimit, false);
    if (n !== 0) res.pids = { limit: n }; // runc: 0 leaves the limit alone
  }
  if (Object.keys(cpu).length) res.cpu = cpu;
  if (Object.keys(mem).length) res.memory = mem;
  checkResources(res, "update"); // the same schema as -r and config.json: update: blockIO.weight: ...
  return { res, warnings };
}

const OBJ = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A `-r` document (`src` is its file, or "-" for stdin): runc's update JSON, checked against the
 * config's linux.resources schema; every error is `update -r <src>: <path>: <message>`. Devices
 * are ignored, as runc's update does.
 */
export function resourcesFromJson(text: string, src: string): LinuxResources {
  const res = { ...parseResources(text, `update -r ${src}`) } as LinuxResources & Record<string, unknown>;
  delete res.devices;
  return res;
}

/**
 * What to write: the update itself, completed from the stored resources where the kernel
 * needs a pair (memory limit + swap, cpu quota + period), as runc applies its merged config.
 * Also returns the merged resources to store.
 */
export function planUpdate(stored: LinuxResources | undefined, upd: LinuxResources): { apply: LinuxResources; merged: LinuxResources } {
  const old = stored ?? {};
  const apply: LinuxResources = structuredClone(upd);
  if (apply.memory && (apply.memory.limit !== undefined || apply.memory.swap !== undefined)) {
    // runc: memory -1 without an explicit swap means "both unlimited"
    if (apply.memory.limit === -1 && apply.memory.swap === undefined) apply.memory.swap = -1;
    apply.memory.limit ??= old.memory?.limit;
    apply.memory.swap ??= old.memory?.swap;
    if (apply.memory.limit === undefined) delete apply.memory.limit;
    if (apply.memory.swap === undefined) delete apply.memory.swap;
  }
  if (apply.cpu && (apply.cpu.quota !== undefined || apply.cpu.period !== undefined)) {
    apply.cpu.quota ??= old.cpu?.quota;
    apply.cpu.period ??= old.cpu?.period;
    if (apply.cpu.quota === undefined) delete apply.cpu.quota;
    if (apply.cpu.period === undefined) delete apply.cpu.period;
  }
  const merged: LinuxResources = structuredClone(old);
  for (const [k, v] of Object.entries(apply) as Array<[keyof LinuxResources, unknown]>) {
    const cur = (merged as Record<string, unknown>)[k];
    (merged as Record<string, unknown>)[k] = OBJ(v) && OBJ(cur) && k !== "unified" && k !== "rdma" ? { ...cur, ...v } : v;
  }
  return { apply, merged };
}
