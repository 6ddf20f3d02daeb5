/**
 * Builds the flat plan buffer (see native/plan.h): header, fixed-size ops, string table.
 * Each op carries a human description, kept on the TS side, so that a failure reported
 * by the child as {op index, errno} becomes one readable line.
 */
import { Op, OP_SIZE, HEADER_SIZE, NOSTR, PLAN_MAGIC, PLAN_VERSION, opName, type OpCode } from "./ops.js";
import { mountPointFailure, type MountPointCheck } from "./kernel-fs.js";

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
  ops: PlanOp[];
  /** things the user should know that do not stop the container */
  warnings: string[];
  /** `config.json: <where>: <describe>` for an op made from a config member, else the description */
  describe(index: number): string;
  /** the whole line for a failure of op `index` that has a better explanation than describe(), else undefined */
  explain(index: number, errno: string, text: string): string | undefined;
}

type StrArg = string | undefined | { blob: Buffer } | { list: string[] };

export class PlanBuilder {
  /** the config.json member the ops being added come from (see at()) */
  private where: string | undefined;
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
  at<T>(where: string, fn: () => T): T {
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
    const buf = Buffer.alloc(HEADER_SIZE + this.ops.length * OP_SIZE + strings.length);
    buf.writeUInt32LE(PLAN_MAGIC, 0);
    buf.writeUInt32LE(PLAN_VERSION, 4);
    buf.writeUInt32LE(this.ops.length, 8);
    buf.writeUInt32LE(strings.length, 12);
    buf.writeBigUInt64LE(this.cloneFlags, 16);
    buf.writeBigUInt64LE(this.unshareFlags, 24);
    buf.writeUInt32LE(this.flags, 32);
    this.ops.forEach((o, i) => {
      const at = HEADER_SIZE + i * OP_SIZE;
      buf.writeUInt32LE(o.code, at);
      buf.writeUInt32LE(o.flags, at + 4);
      buf.writeBigUInt64LE(o.a, at + 8);
      buf.writeBigUInt64LE(o.b, at + 16);
      buf.writeBigUInt64LE(o.c, at + 24);
      o.s.forEach((v, k) => buf.writeUInt32LE(v, at + 32 + 4 * k));
    });
    strings.copy(buf, HEADER_SIZE + this.ops.length * OP_SIZE);
    const ops = [...this.ops];
    const checks = new Map(this.checks);
    return {
      buffer: buf, ops, warnings: [...this.warnings],
      describe: (i) => (i >= 0 && i < ops.length ? (ops[i].where ? `config.json: ${ops[i].where}: ${ops[i].describe}` : ops[i].describe) : "container setup"),
      explain: (i, errno, text) => { const c = checks.get(i); return c && mountPointFailure(c, errno, text); },
    };
  }
}

/** A readable dump of a plan, one op per line; the golden-plan tests compare this text. */
export function dumpPlan(plan: Plan): string {
  const hdr = plan.buffer;
  const lines = [`clone=0x${hdr.readBigUInt64LE(16).toString(16)} unshare=0x${hdr.readBigUInt64LE(24).toString(16)} flags=0x${hdr.readUInt32LE(32).toString(16)}`];
  const strAt = (off: number): string => {
    const base = HEADER_SIZE + plan.ops.length * OP_SIZE;
    const end = hdr.indexOf(0, base + off);
    return hdr.subarray(base + off, end).toString();
  };
  plan.ops.forEach((o, i) => {
    const ss = o.s.filter((v) => v !== NOSTR).map((v) => JSON.stringify(o.code === Op.SECCOMP || o.code === Op.SETGROUPS || (o.code === Op.PROC_ATTR && o.a >= 3n) ? `<blob@${v}>` : strAt(v)));
    const nums = [o.a, o.b, o.c].map((v) => (v === 0n ? "0" : "0x" + v.toString(16)));
    lines.push(`${String(i).padStart(2)} ${opName.get(o.code)} f=0x${o.flags.toString(16)} ${nums.join(" ")} ${ss.join(" ")}  # ${o.describe}`);
  });
  return lines.join("\n") + "\n";
}
