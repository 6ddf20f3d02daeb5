/**
 * Generates the BPF_PROG_TYPE_CGROUP_DEVICE program for cgroup v2 from device rules.
 *
 * The kernel calls the program with a `struct bpf_cgroup_dev_ctx`:
 *   u32 access_type  (device type in the low 16 bits, ACC_* bits in the high 16)
 *   u32 major
 *   u32 minor
 * and allows the access when it returns 1.
 *
 * Layout: a prologue loads type/access/major/minor into r2..r5; then one block per rule,
 * LAST rule first, each falling through to the next block when the rule does not match
 * and returning the rule's verdict when it does; then "return 0" (default deny). A rule of
 * type "a" is an unconditional return, so rules before it are never emitted.
 * See devices.ts for the matching semantics; bpf-interp.ts runs the result in tests.
 */
import { ACC_ALL, DEV_BLOCK, DEV_CHAR, type DeviceRule } from "./devices.js";

export interface BpfInsn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

/** Opcodes used by the generator (and understood by the interpreter). */
export const OP = {
  LDXW: 0x61, // dst = *(u32 *)(src + off)
  AND32_K: 0x54, // dst = (u32)(dst & imm)
  RSH32_K: 0x74, // dst = (u32)dst >> imm
  MOV32_K: 0xb4, // dst = (u32)imm
  MOV32_X: 0xbc, // dst = (u32)src
  JEQ_K: 0x15, // if dst == imm goto pc+1+off
  JNE_K: 0x55, // if dst != imm goto pc+1+off
  EXIT: 0x95, // return r0
} as const;

export const DEVICE_PROG_LICENSE = "Apache";

const insn = (code: number, dst = 0, src = 0, off = 0, imm = 0): BpfInsn => ({ code, dst, src, off, imm });

const PROLOGUE: readonly BpfInsn[] = [
  insn(OP.LDXW, 2, 1, 0), // r2 = ctx->access_type
  insn(OP.AND32_K, 2, 0, 0, 0xffff), // r2 &= 0xffff: device type
  insn(OP.LDXW, 3, 1, 0), // r3 = ctx->access_type
  insn(OP.RSH32_K, 3, 0, 0, 16), // r3 >>= 16: access bits
  insn(OP.LDXW, 4, 1, 4), // r4 = ctx->major
  insn(OP.LDXW, 5, 1, 8), // r5 = ctx->minor
];

function verdict(allow: boolean): BpfInsn[] {
  return [insn(OP.MOV32_K, 0, 0, 0, allow ? 1 : 0), insn(OP.EXIT)];
}

/** One rule as a block; jumps carry off = -1 until the block length is known. */
function ruleBlock(r: DeviceRule): BpfInsn[] {
  if (r.type === "a") return verdict(r.allow);
  const SKIP = -1;
  const b: BpfInsn[] = [insn(OP.JNE_K, 2, 0, SKIP, r.type === "c" ? DEV_CHAR : DEV_BLOCK)];
  if (r.access !== ACC_ALL) {
    // r1 (the ctx pointer, no longer needed) is the scratch register.
    b.push(insn(OP.MOV32_X, 1, 3));
    if (r.allow) {
      // skip unless every requested bit is granted: (access & ~granted) == 0
      b.push(insn(OP.AND32_K, 1, 0, 0, ~r.access & ACC_ALL), insn(OP.JNE_K, 1, 0, SKIP, 0));
    } else {
      // skip unless some requested bit is denied: (access & denied) != 0
      b.push(insn(OP.AND32_K, 1, 0, 0, r.access), insn(OP.JEQ_K, 1, 0, SKIP, 0));
    }
  }
  if (r.major >= 0) b.push(insn(OP.JNE_K, 4, 0, SKIP, r.major));
  if (r.minor >= 0) b.push(insn(OP.JNE_K, 5, 0, SKIP, r.minor));
  b.push(...verdict(r.allow));
  // Every conditional jump goes to the first instruction after this block.
  b.forEach((ins, i) => {
    if (ins.off === SKIP) ins.off = b.length - (i + 1);
  });
  return b;
}

/** The program for `rules` (in spec order, defaults already appended). */
export function generateDeviceProgram(rules: readonly DeviceRule[]): BpfInsn[] {
  const prog: BpfInsn[] = PROLOGUE.map((i) => ({ ...i }));
  for (let i = rules.length - 1; i >= 0; i--) {
    prog.push(...ruleBlock(rules[i]));
    if (rules[i].type === "a") return prog; // unconditional: nothing after it runs
  }
  prog.push(...verdict(false));
  return prog;
}

/** struct bpf_insn, 8 bytes each, little-endian (dst_reg in the low nibble). */
export function encodeProgram(prog: readonly BpfInsn[]): Buffer {
  const buf = Buffer.alloc(prog.length * 8);
  prog.forEach((p, i) => {
    buf.writeUInt8(p.code, i * 8);
    buf.writeUInt8((p.dst & 0xf) | ((p.src & 0xf) << 4), i * 8 + 1);
    buf.writeInt16LE(p.off, i * 8 + 2);
    buf.writeInt32LE(p.imm | 0, i * 8 + 4);
  });
  return buf;
}

export function decodeProgram(buf: Buffer): BpfInsn[] {
  const out: BpfInsn[] = [];
  for (let o = 0; o + 8 <= buf.length; o += 8) {
    const regs = buf.readUInt8(o + 1);
    out.push({ code: buf.readUInt8(o), dst: regs & 0xf, src: regs >> 4, off: buf.readInt16LE(o + 2), imm: buf.readInt32LE(o + 4) });
  }
  return out;
}
