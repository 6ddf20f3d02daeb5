/**
 * Device cgroup rules: validation of linux.resources.devices, the default allow list that
 * runc appends after the user's rules, and the v1 `devices.allow`/`devices.deny` lines.
 *
 * Semantics used by both drivers: rules are read in order and the LAST rule that matches a
 * request decides; a request no rule matches is denied. A rule of type "a" matches every
 * device and access (like `a` written to devices.allow/deny in v1, which resets the list).
 * An allow rule matches when it grants every requested access bit; a deny rule matches
 * when it names any of them.
 */
import { TsrunError } from "../errors.js";
import type { LinuxDeviceCgroup } from "./types.js";

/** Access bits as the kernel passes them to a BPF_CGROUP_DEVICE program (bpf.h). */
export const ACC_MKNOD = 1;
export const ACC_READ = 2;
export const ACC_WRITE = 4;
export const ACC_ALL = ACC_MKNOD | ACC_READ | ACC_WRITE;
/** Device types as the kernel passes them (BPF_DEVCG_DEV_BLOCK / _CHAR). */
export const DEV_BLOCK = 1;
export const DEV_CHAR = 2;

export interface DeviceRule {
  allow: boolean;
  type: "a" | "b" | "c";
  /** -1 is the wildcard */
  major: number;
  minor: number;
  /** ACC_* bitmask, never 0 */
  access: number;
}

/** Largest major/minor accepted: the program compares them as signed 32-bit immediates. */
const MAX_DEV = 0x7fffffff;

function rule(type: "b" | "c", major: number, minor: number, access = ACC_ALL): DeviceRule {
  return { allow: true, type, major, minor, access };
}

/**
 * runc's default allow list (libcontainer/specconv AllowedDevices), appended after the
 * user's rules so it always applies: mknod of any char/block node, /dev/null (1:3),
 * random (1:8), full (1:7), tty (5:0), zero (1:5), urandom (1:9), /dev/pts/* (136:*),
 * /dev/ptmx (5:2) and /dev/net/tun (10:200). /dev/console (5:1) is not in it: in a
 * container the console is a bind mount of a pts slave, which 136:* covers.
 */
export const DEFAULT_ALLOWED_DEVICES: readonly DeviceRule[] = Object.freeze([
  rule("c", -1, -1, ACC_MKNOD),
  rule("b", -1, -1, ACC_MKNOD),
  rule("c", 1, 3),
  rule("c", 1, 8),
  rule("c", 1, 7),
  rule("c", 5, 0),
  rule("c", 1, 5),
  rule("c", 1, 9),
  rule("c", 136, -1),
  rule("c", 5, 2),
  rule("c", 10, 200),
]);

/**
 * "rwm" → bits. Letters other than r, w and m are ignored, as runc ignores them ("rwa" is "rw"); an empty
 * access, or one with none of the three, is refused (runc refuses the first and fails to apply the second).
 */
export function parseAccess(access: string, where: string): number {
  if (access === "") throw new TsrunError(`${where}.access: must not be empty`);
  let bits = 0;
  for (const ch of access) {
    if (ch === "r") bits |= ACC_READ;
    else if (ch === "w") bits |= ACC_WRITE;
    else if (ch === "m") bits |= ACC_MKNOD;
  }
  if (bits === 0) throw new TsrunError(`${where}.access: "${access}" grants none of r, w, m`);
  return bits;
}

export function accessString(bits: number): string {
  return (bits & ACC_READ ? "r" : "") + (bits & ACC_WRITE ? "w" : "") + (bits & ACC_MKNOD ? "m" : "");
}

function devNumber(v: number | undefined, where: string): number {
  if (v === undefined || v === -1) return -1;
  if (!Number.isInteger(v) || v < 0 || v > MAX_DEV) throw new TsrunError(`${where}: invalid device number ${v}`);
  return v;
}

/**
 * Validate the spec's rules and return them followed by the default allow list.
 * `where` prefixes error messages (the JSON path of the list).
 */
export function normalizeDeviceRules(
  rules: readonly LinuxDeviceCgroup[] | undefined,
  where = "linux.resources.devices",
): DeviceRule[] {
  const out: DeviceRule[] = [];
  (rules ?? []).forEach((r, i) => {
    const at = `${where}[${i}]`;
    if (typeof r?.allow !== "boolean") throw new TsrunError(`${at}.allow: must be a boolean`);
    const type = r.type ?? "a";
    if (type !== "a" && type !== "b" && type !== "c") {
      throw new TsrunError(`${at}.type: invalid device type "${type}" (want a, b or c)`);
    }
    out.push({
      allow: r.allow,
      type,
      major: devNumber(r.major, `${at}.major`),
      minor: devNumber(r.minor, `${at}.minor`),
      access: parseAccess(r.access ?? "", at),
    });
  });
  return out.concat(DEFAULT_ALLOWED_DEVICES);
}

/** The v1 line for a rule, e.g. "c 1:3 rwm", "c 136:* rwm" or "a". */
export function v1DeviceLine(r: DeviceRule): string {
  if (r.type === "a") return "a";
  const n = (x: number) => (x < 0 ? "*" : String(x));
  return `${r.type} ${n(r.major)}:${n(r.minor)} ${accessString(r.access)}`;
}

/** Reference implementation of the semantics above; tests compare the BPF program with it. */
export function evaluateRules(rules: readonly DeviceRule[], type: "b" | "c", major: number, minor: number, access: number): boolean {
  for (let i = rules.length - 1; i >= 0; i--) {
    const r = rules[i];
    if (r.type !== "a") {
      if (r.type !== type) continue;
      if (r.major >= 0 && r.major !== major) continue;
      if (r.minor >= 0 && r.minor !== minor) continue;
      if (r.allow ? (access & ~r.access) !== 0 : (access & r.access) === 0) continue;
    }
    return r.allow;
  }
  return false;
}
