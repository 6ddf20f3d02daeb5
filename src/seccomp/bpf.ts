/**
 * Classic BPF as seccomp uses it: struct sock_filter encoding (8 bytes, host byte
 * order), a tiny assembler with labels (for the ENOSYS stub), a disassembler for debug
 * output, and an interpreter over struct seccomp_data (for tests and for `--debug`
 * sanity checks). Only the instructions seccomp accepts are modelled.
 */

export const BPF = {
  LD: 0x00, LDX: 0x01, ST: 0x02, STX: 0x03, ALU: 0x04, JMP: 0x05, RET: 0x06, MISC: 0x07,
  W: 0x00, ABS: 0x20, MEM: 0x60, LEN: 0x80, IMM: 0x00,
  ADD: 0x00, SUB: 0x10, MUL: 0x20, DIV: 0x30, OR: 0x40, AND: 0x50, LSH: 0x60, RSH: 0x70, NEG: 0x80, MOD: 0x90, XOR: 0xa0,
  JA: 0x00, JEQ: 0x10, JGT: 0x20, JGE: 0x30, JSET: 0x40,
  K: 0x00, X: 0x08, A: 0x10,
  TAX: 0x00, TXA: 0x80,
} as const;

/** Kernel limit on instructions in one filter (BPF_MAXINSNS). */
export const BPF_MAXINSNS = 4096;
/** sizeof(struct seccomp_data) and offsets in it. */
export const SECCOMP_DATA_SIZE = 64;
export const OFF_NR = 0;
export const OFF_ARCH = 4;
export const offArg = (i: number) => 16 + 8 * i;

export interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

const LE = process.getBuiltinModule("node:os").endianness() === "LE"; // not a static import: Bun hoists those to start-up (PERFORMANCE.md, round 4)

export function encode(prog: readonly Insn[]): Buffer {
  const buf = Buffer.alloc(prog.length * 8);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  prog.forEach((p, i) => {
    dv.setUint16(i * 8, p.code, LE);
    dv.setUint8(i * 8 + 2, p.jt);
    dv.setUint8(i * 8 + 3, p.jf);
    dv.setUint32(i * 8 + 4, p.k >>> 0, LE);
  });
  return buf;
}

export function decode(buf: Buffer): Insn[] {
  if (buf.length % 8 !== 0) throw new Error(`BPF program of ${buf.length} bytes is not a multiple of 8`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: Insn[] = [];
  for (let o = 0; o < buf.length; o += 8) {
    out.push({ code: dv.getUint16(o, LE), jt: dv.getUint8(o + 2), jf: dv.getUint8(o + 3), k: dv.getUint32(o + 4, LE) });
  }
  return out;
}

/* ---- assembler with labels ---- */

/** A jump target: a label name, or a relative offset. Labels are placed with `label()`. */
export type Target = string | number;
export type AsmItem = { label: string } | { code: number; k: number; jt?: Target; jf?: Target };

export const asm = {
  label: (label: string): AsmItem => ({ label }),
  ldAbs: (off: number): AsmItem => ({ code: BPF.LD | BPF.W | BPF.ABS, k: off }),
  jeq: (k: number, jt: Target, jf: Target = 0): AsmItem => ({ code: BPF.JMP | BPF.JEQ | BPF.K, k, jt, jf }),
  jgt: (k: number, jt: Target, jf: Target = 0): AsmItem => ({ code: BPF.JMP | BPF.JGT | BPF.K, k, jt, jf }),
  jset: (k: number, jt: Target, jf: Target = 0): AsmItem => ({ code: BPF.JMP | BPF.JSET | BPF.K, k, jt, jf }),
  ja: (to: Target): AsmItem => ({ code: BPF.JMP | BPF.JA, k: 0, jt: to }),
  ret: (k: number): AsmItem => ({ code: BPF.RET | BPF.K, k }),
};

/**
 * Resolve labels into relative offsets. For `ja` the target goes into k; for conditional
 * jumps into jt/jf, which must fit in 8 bits (the stub is small, so they always do).
 */
export function assemble(items: readonly AsmItem[], external: Record<string, number> = {}): Insn[] {
  const labels = new Map<string, number>();
  let pc = 0;
  for (const it of items) {
    if ("label" in it) labels.set(it.label, pc);
    else pc++;
  }
  for (const [name, at] of Object.entries(external)) labels.set(name, at);
  const out: Insn[] = [];
  const rel = (t: Target | undefined, at: number): number => {
    if (t === undefined) return 0;
    if (typeof t === "number") return t;
    const dest = labels.get(t);
    if (dest === undefined) throw new Error(`BPF label ${t} is not defined`);
    const off = dest - (at + 1);
    if (off < 0) throw new Error(`BPF jump to ${t} goes backwards`);
    return off;
  };
  for (const it of items) {
    if ("label" in it) continue;
    const at = out.length;
    if (it.code === (BPF.JMP | BPF.JA)) {
      out.push({ code: it.code, jt: 0, jf: 0, k: rel(it.jt, at) });
      continue;
    }
    const jt = rel(it.jt, at);
    const jf = rel(it.jf, at);
    if (jt > 255 || jf > 255) throw new Error(`BPF conditional jump of ${Math.max(jt, jf)} does not fit in 8 bits`);
    out.push({ code: it.code, jt, jf, k: it.k >>> 0 });
  }
  return out;
}

/* ---- interpreter ---- */

export interface SeccompData {
  nr: number;
  arch: number;
  instructionPointer?: bigint;
  /** up to six 64-bit arguments */
  args?: readonly (bigint | number)[];
}

export function seccompDataBytes(d: SeccompData): Buffer {
  const buf = Buffer.alloc(SECCOMP_DATA_SIZE);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  dv.setInt32(OFF_NR, d.nr | 0, LE);
  dv.setUint32(OFF_ARCH, d.arch >>> 0, LE);
  dv.setBigUint64(8, BigInt.asUintN(64, d.instructionPointer ?? 0n), LE);
  (d.args ?? []).forEach((a, i) => dv.setBigUint64(offArg(i), BigInt.asUintN(64, BigInt(a)), LE));
  return buf;
}

/** Run a filter as the kernel would; returns the 32-bit SECCOMP_RET_* value. */
export function runFilter(filter: Buffer | readonly Insn[], data: SeccompData): number {
  const prog = Buffer.isBuffer(filter) ? decode(filter) : filter;
  const mem = seccompDataBytes(data);
  const dv = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
  const scratch = new Uint32Array(16);
  let A = 0;
  let X = 0;
  for (let pc = 0; pc < prog.length; pc++) {
    const { code, jt, jf, k } = prog[pc];
    const cls = code & 0x07;
    const src = code & 0x08 ? X : k;
    switch (cls) {
      case BPF.LD:
      case BPF.LDX: {
        const mode = code & 0xe0;
        let v: number;
        if (mode === BPF.ABS) {
          if (cls !== BPF.LD || (code & 0x18) !== BPF.W || k % 4 !== 0 || k + 4 > SECCOMP_DATA_SIZE) {
            throw new Error(`pc ${pc}: bad load 0x${code.toString(16)} k=${k}`);
          }
          v = dv.getUint32(k, LE);
        } else if (mode === BPF.IMM) v = k;
        else if (mode === BPF.MEM) v = scratch[k & 15];
        else if (mode === BPF.LEN) v = SECCOMP_DATA_SIZE;
        else throw new Error(`pc ${pc}: unsupported load mode 0x${code.toString(16)}`);
        if (cls === BPF.LD) A = v >>> 0;
        else X = v >>> 0;
        break;
      }
      case BPF.ST:
        scratch[k & 15] = A;
        break;
      case BPF.STX:
        scratch[k & 15] = X;
        break;
      case BPF.ALU: {
        const op = code & 0xf0;
        const s = src >>> 0;
        if (op === BPF.ADD) A = (A + s) >>> 0;
        else if (op === BPF.SUB) A = (A - s) >>> 0;
        else if (op === BPF.MUL) A = Number((BigInt(A) * BigInt(s)) & 0xffffffffn);
        else if (op === BPF.DIV) { if (s === 0) return 0; A = Math.floor(A / s) >>> 0; }
        else if (op === BPF.MOD) { if (s === 0) return 0; A = (A % s) >>> 0; }
        else if (op === BPF.OR) A = (A | s) >>> 0;
        else if (op === BPF.AND) A = (A & s) >>> 0;
        else if (op === BPF.XOR) A = (A ^ s) >>> 0;
        else if (op === BPF.LSH) A = s >= 32 ? 0 : (A << s) >>> 0;
        else if (op === BPF.RSH) A = s >= 32 ? 0 : A >>> s;
        else if (op === BPF.NEG) A = -A >>> 0;
        else throw new Error(`pc ${pc}: bad ALU op 0x${code.toString(16)}`);
        break;
      }
      case BPF.JMP: {
        const op = code & 0xf0;
        const s = src >>> 0;
        if (op === BPF.JA) { pc += k; break; }
        let c: boolean;
        if (op === BPF.JEQ) c = A === s;
        else if (op === BPF.JGT) c = A > s;
        else if (op === BPF.JGE) c = A >= s;
        else if (op === BPF.JSET) c = (A & s) !== 0;
        else throw new Error(`pc ${pc}: bad jump 0x${code.toString(16)}`);
        pc += c ? jt : jf;
        break;
      }
      case BPF.RET: {
        const rv = code & 0x18;
        return (rv === BPF.A ? A : rv === BPF.X ? X : k) >>> 0;
      }
      case BPF.MISC:
        if ((code & 0xf8) === BPF.TXA) A = X;
        else X = A;
        break;
    }
  }
  throw new Error("BPF program fell off its end");
}

/** One line per instruction, for `--debug` logs and test failure messages. */
export function disassemble(filter: Buffer | readonly Insn[]): string[] {
  const prog = Buffer.isBuffer(filter) ? decode(filter) : filter;
  const hex = (n: number) => "0x" + (n >>> 0).toString(16);
  return prog.map((p, pc) => {
    const cls = p.code & 0x07;
    const at = (off: number) => pc + 1 + off;
    let s: string;
    if (cls === BPF.LD && (p.code & 0xe0) === BPF.ABS) s = `ld [${p.k}]`;
    else if (cls === BPF.RET) s = `ret ${hex(p.k)}`;
    else if (cls === BPF.JMP && (p.code & 0xf0) === BPF.JA) s = `ja ${at(p.k)}`;
    else if (cls === BPF.JMP) {
      const name = { 0x10: "jeq", 0x20: "jgt", 0x30: "jge", 0x40: "jset" }[p.code & 0xf0] ?? "j?";
      s = `${name} ${p.code & 0x08 ? "x" : hex(p.k)} ? ${at(p.jt)} : ${at(p.jf)}`;
    } else if (cls === BPF.ALU && (p.code & 0xf0) === BPF.AND) s = `and ${hex(p.k)}`;
    else s = `code=${hex(p.code)} jt=${p.jt} jf=${p.jf} k=${hex(p.k)}`;
    return `${String(pc).padStart(4)}: ${s}`;
  });
}
