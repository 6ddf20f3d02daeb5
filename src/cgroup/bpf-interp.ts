/**
 * A small eBPF interpreter, enough to run cgroup device programs in unit tests without
 * root or a kernel: ALU/ALU64, LDX from the context, LD_IMM64, JMP/JMP32 and EXIT.
 * Registers are 64-bit (BigInt). r1 holds a pointer to the context, r10 the frame pointer
 * (stack access is not supported: the device programs never touch the stack).
 * Like the kernel verifier it refuses to read a register that was never written, to jump
 * out of the program, or to run off its end.
 */
import { DEV_BLOCK, DEV_CHAR } from "./devices.js";
import { decodeProgram, type BpfInsn } from "./devices-bpf.js";

const M64 = (1n << 64n) - 1n;
const M32 = (1n << 32n) - 1n;
/** Fake address of the context, so pointer arithmetic on r1 works like any number. */
const CTX_BASE = 0x7f0000000000n;

const s64 = (v: bigint) => BigInt.asIntN(64, v);
const s32 = (v: bigint) => BigInt.asIntN(32, v);

export class BpfError extends Error {}

function alu(op: number, a: bigint, b: bigint, bits: 32 | 64): bigint {
  const mask = bits === 32 ? M32 : M64;
  const sh = b & BigInt(bits - 1);
  a &= mask;
  b &= mask;
  switch (op) {
    case 0x00: return (a + b) & mask;
    case 0x10: return (a - b) & mask;
    case 0x20: return (a * b) & mask;
    case 0x30: return b === 0n ? 0n : a / b;
    case 0x40: return a | b;
    case 0x50: return a & b;
    case 0x60: return (a << sh) & mask;
    case 0x70: return a >> sh;
    case 0x80: return -a & mask;
    case 0x90: return b === 0n ? a : a % b;
    case 0xa0: return a ^ b;
    case 0xb0: return b;
    case 0xc0: return (bits === 32 ? BigInt.asUintN(32, s32(a) >> sh) : BigInt.asUintN(64, s64(a) >> sh));
    default: throw new BpfError(`unsupported ALU op 0x${op.toString(16)}`);
  }
}

function cond(op: number, a: bigint, b: bigint, bits: 32 | 64): boolean {
  const mask = bits === 32 ? M32 : M64;
  a &= mask;
  b &= mask;
  const sa = bits === 32 ? s32(a) : s64(a);
  const sb = bits === 32 ? s32(b) : s64(b);
  switch (op) {
    case 0x00: return true; // JA
    case 0x10: return a === b;
    case 0x20: return a > b;
    case 0x30: return a >= b;
    case 0x40: return (a & b) !== 0n;
    case 0x50: return a !== b;
    case 0x60: return sa > sb;
    case 0x70: return sa >= sb;
    case 0xa0: return a < b;
    case 0xb0: return a <= b;
    case 0xc0: return sa < sb;
    case 0xd0: return sa <= sb;
    default: throw new BpfError(`unsupported jump op 0x${op.toString(16)}`);
  }
}

/** Run `prog` with r1 pointing at `ctx`; returns r0 at EXIT (as an unsigned 32-bit number). */
export function runBpf(prog: readonly BpfInsn[] | Buffer, ctx: Buffer, maxSteps = 100000): number {
  const insns = Buffer.isBuffer(prog) ? decodeProgram(prog) : prog;
  const regs: (bigint | undefined)[] = new Array(11).fill(undefined);
  regs[1] = CTX_BASE;
  regs[10] = CTX_BASE + 0x100000n; // frame pointer, never dereferenced
  const get = (r: number, pc: number): bigint => {
    const v = regs[r];
    if (v === undefined) throw new BpfError(`insn ${pc}: read of uninitialized register r${r}`);
    return v;
  };
  const set = (r: number, v: bigint, pc: number) => {
    if (r === 10 || r > 10) throw new BpfError(`insn ${pc}: write to r${r}`);
    regs[r] = v;
  };
  let pc = 0;
  for (let steps = 0; steps < maxSteps; steps++) {
    if (pc < 0 || pc >= insns.length) throw new BpfError(`pc ${pc} outside the program (${insns.length} insns)`);
    const i = insns[pc];
    const cls = i.code & 0x07;
    const op = i.code & 0xf0;
    const useReg = (i.code & 0x08) !== 0;
    switch (cls) {
      case 0x04: // ALU (32-bit, result zero-extended)
      case 0x07: { // ALU64
        const bits = cls === 0x04 ? 32 : 64;
        const src = useReg ? get(i.src, pc) : BigInt.asUintN(64, BigInt(i.imm));
        const dst = op === 0xb0 ? 0n : get(i.dst, pc);
        set(i.dst, alu(op, dst, src, bits), pc);
        pc++;
        break;
      }
      case 0x01: { // LDX
        if ((i.code & 0xe0) !== 0x60) throw new BpfError(`insn ${pc}: unsupported load mode`);
        const size = [4, 2, 1, 8][(i.code >> 3) & 3];
        const addr = get(i.src, pc) + BigInt(i.off) - CTX_BASE;
        if (addr < 0n || addr + BigInt(size) > BigInt(ctx.length)) {
          throw new BpfError(`insn ${pc}: load of ${size} bytes at ctx+${addr} is out of bounds`);
        }
        const a = Number(addr);
        const v = size === 8 ? ctx.readBigUInt64LE(a) : BigInt(ctx.readUIntLE(a, size));
        set(i.dst, v, pc);
        pc++;
        break;
      }
      case 0x00: { // LD: only BPF_LD | BPF_IMM | BPF_DW (two slots)
        if (i.code !== 0x18 || pc + 1 >= insns.length) throw new BpfError(`insn ${pc}: unsupported LD 0x${i.code.toString(16)}`);
        const lo = BigInt.asUintN(32, BigInt(i.imm));
        const hi = BigInt.asUintN(32, BigInt(insns[pc + 1].imm));
        set(i.dst, (hi << 32n) | lo, pc);
        pc += 2;
        break;
      }
      case 0x05: // JMP
      case 0x06: { // JMP32
        if (op === 0x90) return Number(get(0, pc) & M32); // EXIT
        if (op === 0x80) throw new BpfError(`insn ${pc}: helper calls are not supported`);
        const bits = cls === 0x05 ? 64 : 32;
        const taken = op === 0x00 || cond(op, get(i.dst, pc), useReg ? get(i.src, pc) : BigInt.asUintN(64, BigInt(i.imm)), bits);
        pc += 1 + (taken ? i.off : 0);
        break;
      }
      default:
        throw new BpfError(`insn ${pc}: unsupported class 0x${cls.toString(16)}`);
    }
  }
  throw new BpfError(`no EXIT after ${maxSteps} steps`);
}

/** The struct bpf_cgroup_dev_ctx the kernel would pass for this request. */
export function deviceCtx(type: "b" | "c", major: number, minor: number, access: number): Buffer {
  const ctx = Buffer.alloc(12);
  ctx.writeUInt32LE(((access & 0xffff) << 16 | (type === "c" ? DEV_CHAR : DEV_BLOCK)) >>> 0, 0);
  ctx.writeUInt32LE(major >>> 0, 4);
  ctx.writeUInt32LE(minor >>> 0, 8);
  return ctx;
}

/** Would a device program allow this access? `access` is an ACC_* bitmask. */
export function runDeviceProgram(prog: readonly BpfInsn[] | Buffer, type: "b" | "c", major: number, minor: number, access: number): boolean {
  return runBpf(prog, deviceCtx(type, major, minor, access)) === 1;
}
