/**
 * Builds the flat plan buffer (see native/plan.h): header, fixed-size ops, string table.
 * Each op carries a human description, kept on the TS side, so that a failure reported
 * by the child as {op index, errno} becomes one readable line.
 */
import { NOSTR, type OpCode } from "./ops.js";
import { mountPointFailure, type MountPointCheck } from "./kernel-fs.js";
import { encodePlan, decodeHeader, opSlots } from "./wire.js";
import { failureLine } from "./failure.js";

export interface PlanOp {
  code: OpCode;
  flags: number;
  a: bigint; b: bigint; c: bigint;
  s: [number, number, number, number];
  describe: string;
  /** the config.json member the op came from (mounts[3], linux.sysctl["k"]), when it came from one */
  where?: string;
}

export interface Plan {
  buffer: Buffer;
  /** header.flags (PlanFlag) */
  flags: number;
  ops: PlanOp[];
  /** things the user should know that do not stop the container */
  warnings: string[];
  /** `config.json: <where>: <describe>` for an op made from a config member (`exec process: ...` in exec), else the description */
  describe(index: number): string;
  /** what a failure of op `index` means, when that says more than describe() (the errno is appended), else undefined */
  explain(index: number, errno: string, text: string): string | undefined;
  /** the one line for the executor's report {op, errno, text}: config member, op, errno in words (src/plan/failure.ts) */
  failure(index: number, errno: number, text: string): string;
}

type StrArg = string | undefined | { blob: Buffer } | { list: string[] };

export class PlanBuilder {
  /** the config.json member the ops being added come from (see at()) */
  private where: string | undefined;
  /** what the members named by at() are members of: config.json, or the process an exec runs */
  constructor(readonly source = "config.json") {}
  cloneFlags = 0n;
  unshareFlags = 0n;
  flags = 0;
  private readonly ops: PlanOp[] = [];
  private readonly warnings: string[] = [];
  private readonly checks = new Map<number, MountPointCheck>();
  private readonly chunks: Buffer[] = [Buffer.from([0])];
  private strLen = 1;
  private readonly strIndex = new Map<string, number>([["", 0]]);

  private addBytes(b: Buffer): number {
    const off = this.strLen;
    this.chunks.push(b);
    this.strLen += b.length;
    return off;
  }

  private str(s: StrArg): number {
    if (s === undefined) return NOSTR;
    if (typeof s === "string") {
      if (s.includes("\0")) throw new Error(`plan: string contains a NUL byte: ${JSON.stringify(s)}`);
      const hit = this.strIndex.get(s);
      if (hit !== undefined) return hit;
      const off = this.addBytes(Buffer.from(s + "\0"));
      this.strIndex.set(s, off);
      return off;
    }
    if ("blob" in s) {
      // 8-byte align blobs so the child can read sock_filter / u32 arrays directly
      const pad = (8 - (this.strLen % 8)) % 8;
      if (pad) this.addBytes(Buffer.alloc(pad));
      return this.addBytes(s.blob);
    }
    for (const x of s.list) if (x.includes("\0")) throw new Error(`plan: string contains a NUL byte: ${JSON.stringify(x)}`);
    return s.list.length === 0 ? NOSTR : this.addBytes(Buffer.from(s.list.map((x) => x + "\0").join("")));
  }

  warn(msg: string): void {
    this.warnings.push(msg);
  }

  /** Add the ops `fn` makes as coming from config member `where` (a failure then names it). */
  at<T>(where: string | undefined, fn: () => T): T {
    const outer = this.where;
    this.where = where;
    try { return fn(); } finally { this.where = outer; }
  }

  op(code: OpCode, describe: string, f: { flags?: number; a?: number | bigint; b?: number | bigint; c?: number | bigint; s?: StrArg[]; check?: MountPointCheck } = {}): this {
    const s = (f.s ?? []).map((x) => this.str(x));
    if (f.check) this.checks.set(this.ops.length, f.check);
    while (s.length < 4) s.push(NOSTR);
    this.ops.push({
      code, describe, flags: f.flags ?? 0, ...(this.where ? { where: this.where } : {}),
      a: BigInt.asUintN(64, BigInt(f.a ?? 0)), b: BigInt.asUintN(64, BigInt(f.b ?? 0)), c: BigInt.asUintN(64, BigInt(f.c ?? 0)),
      s: s as PlanOp["s"],
    });
    return this;
  }

  build(): Plan {
    const strings = Buffer.concat(this.chunks);
    const buffer = encodePlan({ cloneFlags: this.cloneFlags, unshareFlags: this.unshareFlags, flags: this.flags }, this.ops, strings);
    const ops = [...this.ops];
    const checks = new Map(this.checks);
    const describe = (i: number): string =>
      (i >= 0 && i < ops.length ? (ops[i].where ? `${this.source}: ${ops[i].where}: ${ops[i].describe}` : ops[i].describe) : "container setup");
    const explain = (i: number, errno: string, text: string): string | undefined => { const c = checks.get(i); return c && mountPointFailure(c, errno, text); };
    return {
      buffer, flags: this.flags, ops, warnings: [...this.warnings], describe, explain,
      failure: (i, errno, text) => failureLine({ describe, explain }, i, errno, text),
    };
  }
}

/** A readable dump of a plan, one op per line; the golden-plan tests compare this text. */
export function dumpPlan(plan: Plan): string {
  const h = decodeHeader(plan.buffer);
  const lines = [`clone=0x${h.cloneFlags.toString(16)} unshare=0x${h.unshareFlags.toString(16)} flags=0x${h.flags.toString(16)}`];
  plan.ops.forEach((o, i) => {
    const { name, slots } = opSlots(plan.buffer, o);
    const ss = slots.map(({ value: v }) => JSON.stringify(typeof v === "string" ? v : Array.isArray(v) ? v[0] : `<blob@${v.offset}>`));
    const nums = [o.a, o.b, o.c].map((v) => (v === 0n ? "0" : "0x" + v.toString(16)));
    lines.push(`${String(i).padStart(2)} ${name} f=0x${o.flags.toString(16)} ${nums.join(" ")} ${ss.join(" ")}  # ${o.where ? `${o.where}: ` : ""}${o.describe}`);
  });
  return lines.join("\n") + "\n";
}
