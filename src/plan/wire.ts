/**
 * The plan buffer, written and read through the field tables of ./ops.ts (no literal offsets):
 * header, op_count fixed-size ops, then the string table.
 */
import { HEADER, OP_STRUCT, HEADER_SIZE, OP_SIZE, NOSTR, PLAN_MAGIC, PLAN_VERSION, opDesc, opName, type Field, type StrSlot } from "./ops.js";

export interface WireOp { code: number; flags: number; a: bigint; b: bigint; c: bigint; s: readonly number[] }
export interface WireHeader { cloneFlags: bigint; unshareFlags: bigint; flags: number }

function put(buf: Buffer, base: number, f: Field, v: number | bigint, k = 0): void {
  const at = base + f.offset + k * (f.type === "u64" ? 8 : 4);
  if (f.type === "u64") buf.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)), at);
  else buf.writeUInt32LE(Number(v), at);
}
function get(buf: Buffer, base: number, f: Field, k = 0): bigint {
  const at = base + f.offset + k * (f.type === "u64" ? 8 : 4);
  return f.type === "u64" ? buf.readBigUInt64LE(at) : BigInt(buf.readUInt32LE(at));
}

export function encodePlan(h: WireHeader, ops: readonly WireOp[], strings: Buffer): Buffer {
  const H = HEADER.fields, O = OP_STRUCT.fields;
  const buf = Buffer.alloc(HEADER_SIZE + ops.length * OP_SIZE + strings.length);
  put(buf, 0, H.magic, PLAN_MAGIC);
  put(buf, 0, H.version, PLAN_VERSION);
  put(buf, 0, H.op_count, ops.length);
  put(buf, 0, H.str_len, strings.length);
  put(buf, 0, H.clone_flags, h.cloneFlags);
  put(buf, 0, H.unshare_flags, h.unshareFlags);
  put(buf, 0, H.flags, h.flags);
  ops.forEach((o, i) => {
    const base = HEADER_SIZE + i * OP_SIZE;
    put(buf, base, O.code, o.code);
    put(buf, base, O.flags, o.flags);
    put(buf, base, O.a, o.a);
    put(buf, base, O.b, o.b);
    put(buf, base, O.c, o.c);
    o.s.forEach((v, k) => put(buf, base, O.s, v, k));
  });
  strings.copy(buf, HEADER_SIZE + ops.length * OP_SIZE);
  return buf;
}

export function decodeHeader(buf: Buffer): WireHeader & { opCount: number; strLen: number } {
  const H = HEADER.fields;
  return {
    opCount: Number(get(buf, 0, H.op_count)), strLen: Number(get(buf, 0, H.str_len)),
    cloneFlags: get(buf, 0, H.clone_flags), unshareFlags: get(buf, 0, H.unshare_flags), flags: Number(get(buf, 0, H.flags)),
  };
}

export function decodeOp(buf: Buffer, i: number): WireOp {
  const O = OP_STRUCT.fields, base = HEADER_SIZE + i * OP_SIZE;
  return {
    code: Number(get(buf, base, O.code)), flags: Number(get(buf, base, O.flags)),
    a: get(buf, base, O.a), b: get(buf, base, O.b), c: get(buf, base, O.c),
    s: [0, 1, 2, 3].map((k) => Number(get(buf, base, O.s, k))),
  };
}

/** A string slot's value as the executor reads it: a string, a list of strings, or a blob's size. */
export type SlotValue = string | string[] | { bytes: number; offset: number };

export function slotValue(buf: Buffer, o: WireOp, k: number, slot: StrSlot | undefined): SlotValue | undefined {
  const off = o.s[k];
  if (off === NOSTR) return undefined;
  const base = HEADER_SIZE + decodeHeader(buf).opCount * OP_SIZE;
  const at = (p: number): [string, number] => { const end = buf.indexOf(0, base + p); return [buf.subarray(base + p, end).toString(), end + 1 - base]; };
  if (slot?.kind === "blob") return { bytes: Number(o[slot.len]) * (slot.unit ?? 1), offset: off };
  if (slot?.kind === "list") {
    const out: string[] = [];
    for (let p = off, n = 0; n < Number(o[slot.count]); n++) { const [s, next] = at(p); out.push(s); p = next; }
    return out;
  }
  return at(off)[0];
}

/** The op's name and its string slots, read through the op table. */
export function opSlots(buf: Buffer, o: WireOp): { name: string; slots: Array<{ slot: StrSlot | undefined; value: SlotValue }> } {
  const d = opDesc.get(o.code);
  const slots = o.s.map((_, k) => ({ slot: d?.s?.[k], value: slotValue(buf, o, k, d?.s?.[k]) }))
    .filter((x): x is { slot: StrSlot | undefined; value: SlotValue } => x.value !== undefined);
  return { name: opName.get(o.code) ?? `op ${o.code}`, slots };
}
