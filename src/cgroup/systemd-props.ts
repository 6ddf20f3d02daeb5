/**
 * The systemd driver's pure half: which unit a container gets, and OCI linux.resources as
 * systemd unit properties (the a(sv) array of StartTransientUnit and SetUnitProperties).
 * Conversions are the cgroupfs driver's (resources-v2.ts), so both drivers give one value
 * for one input. What systemd has no property for is written to the delegated cgroup by the
 * cgroupfs manager afterwards, as runc does (src/cgroup/systemd.ts).
 *
 * A property is [name, [dbus signature, value]]; 64-bit values travel as decimal strings
 * (JSON has no 64-bit integers), "18446744073709551615" being systemd's infinity.
 */
import { TsrunError } from "../errors.js";
import { normalizeDeviceRules, ACC_MKNOD, ACC_READ, ACC_WRITE, type DeviceRule } from "./devices.js";
import { blkioWeightToIoWeight, sharesToWeight, swapToV2 } from "./resources-v2.js";
import type { UnitName } from "./systemd-path.js";
import type { LinuxResources } from "./types.js";

export type UnitProperty = [name: string, value: [signature: string, value: unknown]];

/** systemd's "infinity" for a uint64 property */
export const INFINITY = "18446744073709551615";

/** Every resource property the driver sets, in the order it sets them (features lists them). */
export const RESOURCE_PROPERTIES = [
  "MemoryMax", "MemoryLow", "MemorySwapMax", "CPUWeight", "CPUQuotaPerSecUSec", "CPUQuotaPeriodUSec",
  "AllowedCPUs", "AllowedMemoryNodes", "TasksMax", "IOWeight", "DevicePolicy", "DeviceAllow",
] as const;

/** The properties StartTransientUnit gets besides the resources (runc's set). */
export function startProperties(u: UnitName, id: string, pid: number): UnitProperty[] {
  return [
    ["Description", ["s", `tsrun container ${id}`]],
    ["Slice", ["s", u.slice]],
    ["Delegate", ["b", true]],
    ["PIDs", ["au", [pid]]],
    ["MemoryAccounting", ["b", true]],
    ["CPUAccounting", ["b", true]],
    ["IOAccounting", ["b", true]],
    ["TasksAccounting", ["b", true]],
    ["DefaultDependencies", ["b", false]],
  ];
}

const u64 = (v: number): [string, string] => ["t", v === -1 ? INFINITY : String(v)];

/**
 * "0-2,7" -> systemd's CPU/NUMA bit mask, byte 0 holding cpus 0..7 (bit n = cpu n), as
 * AllowedCPUs (ay) takes it.
 */
export function cpusetMask(list: string, field: string): number[] {
  const bytes: number[] = [];
  const set = (n: number) => {
    while (bytes.length <= n >> 3) bytes.push(0);
    bytes[n >> 3] |= 1 << (n & 7);
  };
  for (const part of list.split(",").map((x) => x.trim()).filter((x) => x !== "")) {
    const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(part);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m?.[2] !== undefined ? Number(m[2]) : lo;
    if (!m || hi < lo || hi > 8191) throw new TsrunError(`cgroup: linux.resources.cpu.${field}: invalid list "${list}"`);
    for (let n = lo; n <= hi; n++) set(n);
  }
  return bytes;
}

/** OCI cpu quota/period -> CPUQuotaPerSecUSec, rounded up to 10 ms as systemd stores it (runc). */
export function quotaPerSec(quota: number | undefined, period: number | undefined): string {
  const p = period || 100000;
  if (quota === undefined || quota <= 0) return INFINITY;
  let v = Math.floor((quota * 1000000) / p);
  if (v % 10000 !== 0) v = (Math.floor(v / 10000) + 1) * 10000;
  return String(v);
}

/** major -> device group name, per type, from /proc/devices (for "char-<name>" entries) */
export type DeviceGroups = { c: Map<number, string>; b: Map<number, string> };

export function parseProcDevices(text: string): DeviceGroups {
  const g: DeviceGroups = { c: new Map(), b: new Map() };
  let cur: Map<number, string> | undefined;
  for (const line of text.split("\n")) {
    if (/^Character devices:/.test(line)) cur = g.c;
    else if (/^Block devices:/.test(line)) cur = g.b;
    else {
      const m = /^\s*([0-9]+)\s+(\S+)\s*$/.exec(line);
      if (m && cur && !cur.has(Number(m[1]))) cur.set(Number(m[1]), m[2]);
    }
  }
  return g;
}

const access = (a: number): string => (a & ACC_READ ? "r" : "") + (a & ACC_WRITE ? "w" : "") + (a & ACC_MKNOD ? "m" : "");

/**
 * The device allow list as DevicePolicy/DeviceAllow. systemd's list is a superset of what the
 * rules allow (deny rules are left to tsrun's own BPF program, which is attached as well);
 * a rule systemd cannot name (an allow-all, or a wildcard minor of a major /proc/devices does
 * not list) leaves systemd's policy at "auto" and the BPF program alone in charge.
 */
export function deviceProperties(devices: LinuxResources["devices"], groups: DeviceGroups): UnitProperty[] {
  const allows = normalizeDeviceRules(devices).filter((r) => r.allow);
  const entries: Array<[string, string]> = [];
  const nameOf = (r: DeviceRule): string | undefined => {
    if (r.type === "a") return undefined;
    const kind = r.type === "c" ? "char" : "block";
    if (r.major === -1) return `${kind}-*`;
    if (r.minor === -1) {
      const g = groups[r.type].get(r.major);
      return g ? `${kind}-${g}` : undefined;
    }
    return `/dev/${kind}/${r.major}:${r.minor}`;
  };
  for (const r of allows) {
    const n = nameOf(r);
    if (n === undefined) return [["DevicePolicy", ["s", "auto"]], ["DeviceAllow", ["a(ss)", []]]];
    entries.push([n, access(r.access)]);
  }
  return [["DevicePolicy", ["s", "strict"]], ["DeviceAllow", ["a(ss)", entries]]];
}

/**
 * linux.resources -> the unit properties systemd has, in RESOURCE_PROPERTIES' order. Only the
 * fields that are set produce a property (update passes what changes). `groups` is needed
 * only when devices are given.
 */
export function resourceProperties(r: LinuxResources, groups?: DeviceGroups): UnitProperty[] {
  const out: UnitProperty[] = [];
  const m = r.memory;
  if (m?.limit !== undefined && m.limit !== 0) out.push(["MemoryMax", u64(m.limit)]);
  if (m?.reservation !== undefined && m.reservation !== 0) out.push(["MemoryLow", u64(m.reservation)]);
  if (m?.swap !== undefined) {
    const s = swapToV2(m.swap, m.limit ?? 0);
    if (s !== 0) out.push(["MemorySwapMax", u64(s)]);
  }
  const c = r.cpu;
  if (c?.shares !== undefined && c.shares !== 0) out.push(["CPUWeight", ["t", String(sharesToWeight(c.shares))]]);
  if ((c?.quota !== undefined && c.quota !== 0) || (c?.period !== undefined && c.period !== 0)) {
    out.push(["CPUQuotaPerSecUSec", ["t", quotaPerSec(c?.quota, c?.period)]]);
    if (c?.period) out.push(["CPUQuotaPeriodUSec", ["t", String(c.period)]]);
  }
  if (c?.cpus) out.push(["AllowedCPUs", ["ay", cpusetMask(c.cpus, "cpus")]]);
  if (c?.mems) out.push(["AllowedMemoryNodes", ["ay", cpusetMask(c.mems, "mems")]]);
  const pl = r.pids?.limit;
  if (pl !== undefined && pl !== 0) out.push(["TasksMax", u64(pl < 0 ? -1 : pl)]);
  const bw = r.blockIO?.weight;
  if (bw !== undefined && bw !== 0) out.push(["IOWeight", ["t", String(blkioWeightToIoWeight(bw))]]);
  if (r.devices !== undefined) out.push(...deviceProperties(r.devices, groups ?? { c: new Map(), b: new Map() }));
  return out;
}

/** The system bus's socket: DBUS_SYSTEM_BUS_ADDRESS's first unix:path= entry, else the standard one. */
export function systemBusSocket(address: string | undefined): string {
  if (!address) return "/run/dbus/system_bus_socket";
  for (const entry of address.split(";")) {
    const [transport, params = ""] = entry.split(/:(.*)/s);
    if (transport !== "unix") continue;
    for (const kv of params.split(",")) {
      const [k, v] = kv.split(/=(.*)/s);
      if (k === "path" && v) return decodeURIComponent(v);
    }
  }
  throw new TsrunError(`--systemd-cgroup: DBUS_SYSTEM_BUS_ADDRESS "${address}" has no unix:path= address`);
}
