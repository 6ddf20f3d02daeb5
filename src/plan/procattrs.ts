/**
 * Process attributes applied by OP_PROC_ATTR before capabilities are dropped: personality,
 * ioPriority (ioprio_set), scheduler (sched_setattr) and execCPUAffinity (sched_setaffinity).
 */
import type { Spec } from "../spec/schema.js";
import type { PlanBuilder } from "./builder.js";
import { Op } from "./ops.js";
import { TsrunError } from "../errors.js";

const PERSONA: Record<string, number> = { LINUX: 0x0000, LINUX32: 0x0008 };
const IOPRIO_CLASS: Record<string, number> = { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 };
const SCHED_POLICY: Record<string, number> = {
  SCHED_OTHER: 0, SCHED_FIFO: 1, SCHED_RR: 2, SCHED_BATCH: 3, SCHED_ISO: 4, SCHED_IDLE: 5, SCHED_DEADLINE: 6,
};
const SCHED_FLAG: Record<string, number> = {
  SCHED_FLAG_RESET_ON_FORK: 0x01, SCHED_FLAG_RECLAIM: 0x02, SCHED_FLAG_DL_OVERRUN: 0x04, SCHED_FLAG_KEEP_POLICY: 0x08,
  SCHED_FLAG_KEEP_PARAMS: 0x10, SCHED_FLAG_UTIL_CLAMP_MIN: 0x20, SCHED_FLAG_UTIL_CLAMP_MAX: 0x40,
};

/** "0-2,5" → a little-endian CPU bitmask (bytes, a multiple of 8). */
export function cpuMask(list: string, where: string): Buffer {
  const cpus: number[] = [];
  for (const part of list.split(",").map((x) => x.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    const lo = m ? Number(m[1]) : NaN, hi = m?.[2] !== undefined ? Number(m[2]) : lo;
    if (!m || hi < lo || hi >= 8192) throw new TsrunError(`config.json: ${where}: invalid CPU list "${list}"`);
    for (let c = lo; c <= hi; c++) cpus.push(c);
  }
  if (!cpus.length) throw new TsrunError(`config.json: ${where}: empty CPU list`);
  const buf = Buffer.alloc(Math.ceil((Math.max(...cpus) + 1) / 64) * 8);
  for (const c of cpus) buf[c >> 3] |= 1 << (c & 7);
  return buf;
}

export function planProcAttrs(b: PlanBuilder, spec: Spec): void {
  const p = spec.process;
  const pers = spec.linux?.personality;
  if (pers?.domain) {
    if (pers.flags?.length) throw new TsrunError("config.json: linux.personality.flags: personality flags are not supported");
    const domain = pers.domain;
    b.at("linux.personality", () => b.op(Op.PROC_ATTR, `personality ${domain}`, { a: 1, b: PERSONA[domain] }));
  }
  if (p?.ioPriority) {
    const prio = p.ioPriority.priority ?? 0;
    if (prio < 0 || prio > 7) throw new TsrunError(`config.json: process.ioPriority.priority: ${prio} is not in 0..7`);
    b.at("process.ioPriority", () => b.op(Op.PROC_ATTR, `ioprio_set ${p.ioPriority!.class} ${prio}`, { a: 2, b: (IOPRIO_CLASS[p.ioPriority!.class] << 13) | prio }));
  }
  if (p?.scheduler) {
    const s = p.scheduler;
    const attr = Buffer.alloc(48);                    // struct sched_attr, SCHED_ATTR_SIZE_VER0
    attr.writeUInt32LE(48, 0);
    attr.writeUInt32LE(SCHED_POLICY[s.policy], 4);
    attr.writeBigUInt64LE(BigInt((s.flags ?? []).reduce((a, f) => a | SCHED_FLAG[f], 0)), 8);
    attr.writeInt32LE(s.nice ?? 0, 16);
    attr.writeUInt32LE(s.priority ?? 0, 20);
    attr.writeBigUInt64LE(BigInt(s.runtime ?? 0), 24);
    attr.writeBigUInt64LE(BigInt(s.deadline ?? 0), 32);
    attr.writeBigUInt64LE(BigInt(s.period ?? 0), 40);
    b.at("process.scheduler", () => b.op(Op.PROC_ATTR, `sched_setattr ${s.policy}`, { a: 3, c: attr.length, s: [{ blob: attr }] }));
  }
  const aff = p?.execCPUAffinity?.final ?? p?.execCPUAffinity?.initial;
  if (aff) {
    const mask = cpuMask(aff, "process.execCPUAffinity");
    const which = p?.execCPUAffinity?.final ? "process.execCPUAffinity.final" : "process.execCPUAffinity.initial";
    b.at(which, () => b.op(Op.PROC_ATTR, `sched_setaffinity "${aff}"`, { a: 4, c: mask.length, s: [{ blob: mask }] }));
  }
}
