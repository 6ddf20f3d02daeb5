/**
 * `tsrun explain`: what create would do with a bundle, as data. Pure: the spec and the few facts
 * about the host come in, the compiled plan (op by op, each with the config member it came from),
 * the cgroup writes linux.resources maps to and the hooks come out. Nothing is created.
 * src/commands/explain.ts gathers the inputs and prints.
 */
import type { Spec } from "../spec/schema.js";
import { compileInit, type InitOptions } from "./compile.js";
import { NAMESPACES, OpFlag, PlanFlag, opDesc, type NumFormat } from "./ops.js";
import { opSlots, decodeHeader } from "./wire.js";
import { HOOK_KINDS } from "../hooks.js";
import { mapV1, mapV1DevicesFromSpec } from "../cgroup/resources-v1.js";
import { mapV2 } from "../cgroup/resources-v2.js";
import { normalizeDeviceRules, v1DeviceLine } from "../cgroup/devices.js";
import { emptyProbe, type CgroupWrite } from "../cgroup/types.js";
import { parseProcDevices, resourceProperties } from "../cgroup/systemd-props.js";
import { unitFor } from "../cgroup/systemd-path.js";

export type FieldValue = string | number | string[];
export interface ExplainedOp {
  index: number;
  op: string;
  /** the config.json member the op came from; none for what the runtime always does */
  where?: string;
  describe: string;
  flags: string[];
  fields: Record<string, FieldValue>;
}
export interface ExplainedHook { kind: string; where: string; path: string; args: string[]; timeout?: number; runs: string }
export interface Explained {
  bundle: string;
  rootfs: string;
  namespaces: { clone: string[]; unshare: string[] };
  planFlags: string[];
  ops: ExplainedOp[];
  cgroup: {
    version: "v1" | "v2"; path: string; writes: Array<{ controller: string; file: string; value: string }>;
    /** the systemd driver: the transient unit create asks for and its resource properties */
    systemd?: { unit: string; slice: string; properties: Array<{ name: string; value: unknown }> };
  };
  hooks: ExplainedHook[];
  warnings: string[];
}
export interface ExplainOptions extends InitOptions {
  cgroupVersion: "v1" | "v2";
  /** the systemd driver is used (--systemd-cgroup or a slice:prefix:name path); /proc/devices for DeviceAllow */
  systemd?: { procDevices: string };
}

function systemdUnit(spec: Spec, procDevices: string): NonNullable<Explained["cgroup"]["systemd"]> {
  const u = unitFor(spec.linux?.cgroupsPath, "<container-id>");
  const properties = resourceProperties(spec.linux?.resources ?? {}, parseProcDevices(procDevices)).map(([name, [, value]]) => ({ name, value }));
  return { unit: u.unit, slice: u.slice, properties };
}

const names = (table: Record<string, number>, v: bigint | number): string[] =>
  Object.entries(table).filter(([, bit]) => (BigInt(v) & BigInt(bit)) !== 0n).map(([k]) => k);

function num(v: bigint, f: NumFormat): string | number {
  if (f === "hex") return "0x" + v.toString(16);
  if (f === "oct") return "0o" + v.toString(8);
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

/** Where each hook kind runs (runtime-spec, "Lifecycle"). */
const HOOK_RUNS: Record<string, string> = {
  prestart: "on the host, after the mounts, before pivot_root", createRuntime: "on the host, after the mounts, before pivot_root",
  createContainer: "on the host, in the container's namespaces, before pivot_root", startContainer: "inside the container, right before the process",
  poststart: "on the host, after start", poststop: "on the host, after delete",
};

function cgroupWrites(spec: Spec, version: "v1" | "v2"): CgroupWrite[] {
  const res = spec.linux?.resources ?? {};
  if (version === "v1") return [...mapV1(res, emptyProbe), ...mapV1DevicesFromSpec(res.devices)];
  const devices = normalizeDeviceRules(res.devices).map((r) => ({
    controller: "devices", file: "BPF_CGROUP_DEVICE program", value: `${r.allow ? "allow" : "deny"} ${v1DeviceLine(r)}`,
  }));
  return [...mapV2(res, emptyProbe), ...devices];
}

export function explain(spec: Spec, opts: ExplainOptions): Explained {
  const plan = compileInit(spec, opts);
  const h = decodeHeader(plan.buffer);
  const ops = plan.ops.map((o, index): ExplainedOp => {
    const d = opDesc.get(o.code);
    const fields: Record<string, FieldValue> = {};
    for (const k of ["a", "b", "c"] as const) {
      const f = d?.[k];
      if (f && o[k] !== 0n) fields[f[0]] = num(o[k], f[1]);
    }
    for (const { slot, value } of opSlots(plan.buffer, o).slots) {
      fields[slot?.name ?? "string"] = typeof value === "string" || Array.isArray(value) ? value : `<${value.bytes} bytes>`;
    }
    return {
      index, op: opSlots(plan.buffer, o).name, ...(o.where ? { where: o.where } : {}), describe: o.describe,
      flags: names(OpFlag, o.flags), fields,
    };
  });
  const hooks = HOOK_KINDS.flatMap((kind) => (spec.hooks?.[kind] ?? []).map((hk, i): ExplainedHook => ({
    kind, where: `hooks.${kind}[${i}]`, path: hk.path, args: hk.args ?? [hk.path],
    ...(hk.timeout !== undefined ? { timeout: hk.timeout } : {}), runs: HOOK_RUNS[kind],
  })));
  return {
    bundle: opts.bundle, rootfs: opts.rootfs,
    namespaces: { clone: names(NAMESPACES, h.cloneFlags), unshare: names(NAMESPACES, h.unshareFlags) },
    planFlags: names(PlanFlag, h.flags), ops,
    cgroup: {
      version: opts.cgroupVersion, path: spec.linux?.cgroupsPath || "(nested under the caller's cgroup)",
      writes: cgroupWrites(spec, opts.cgroupVersion).map(({ controller, file, value }) => ({ controller, file, value })),
      ...(opts.systemd ? { systemd: systemdUnit(spec, opts.systemd.procDevices) } : {}),
    },
    hooks, warnings: plan.warnings,
  };
}

const show = (v: FieldValue): string => (Array.isArray(v) ? `[${v.map((x) => JSON.stringify(x)).join(" ")}]` : typeof v === "string" && !/^(0x|0o|<)/.test(v) ? JSON.stringify(v) : String(v));

/** The text form: a few header lines, then one line per op with its config member, its fields indented below. */
export function explainText(e: Explained): string {
  const out = [
    `bundle ${e.bundle}`, `rootfs ${e.rootfs}`,
    `namespaces: new ${e.namespaces.clone.join(" ") || "-"}; unshared after joins: ${e.namespaces.unshare.join(" ") || "-"}`,
    `plan flags: ${e.planFlags.join(" ") || "-"}`, "", `plan (${e.ops.length} ops):`,
  ];
  const w = Math.max(...e.ops.map((o) => (o.where ?? "-").length));
  for (const o of e.ops) {
    out.push(`${String(o.index).padStart(3)} ${o.op.padEnd(14)} ${(o.where ?? "-").padEnd(w)}  ${o.describe}`);
    const f = [...o.flags.map((x) => `+${x}`), ...Object.entries(o.fields).map(([k, v]) => `${k}=${show(v)}`)];
    if (f.length) out.push(`${" ".repeat(21 + w)}${f.join(" ")}`);
  }
  out.push("", `cgroup ${e.cgroup.version} ${e.cgroup.path} (${e.cgroup.writes.length} writes, from linux.resources):`);
  for (const c of e.cgroup.writes) out.push(`  ${c.file} = ${c.value}`);
  const sd = e.cgroup.systemd;
  if (sd) {
    out.push("", `systemd: transient unit ${sd.unit} in ${sd.slice}, Delegate=yes (${sd.properties.length} resource properties):`);
    for (const p of sd.properties) out.push(`  ${p.name}=${JSON.stringify(p.value)}`);
  }
  out.push("", `hooks (${e.hooks.length}):`);
  for (const hk of e.hooks) out.push(`  ${hk.where} ${JSON.stringify(hk.path)} ${show(hk.args)}${hk.timeout !== undefined ? ` timeout=${hk.timeout}s` : ""}: ${hk.runs}`);
  if (e.warnings.length) out.push("", "warnings:", ...e.warnings.map((x) => `  ${x}`));
  return out.join("\n") + "\n";
}
