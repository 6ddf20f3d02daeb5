/**
 * bpf(2) for the cgroup v2 device filter, through koffi (glibc has no bpf() wrapper, so
 * this goes through syscall(2)). The only place the cgroup code touches FFI.
 *
 * attachDeviceFilter(dir, insns): BPF_PROG_LOAD a BPF_PROG_TYPE_CGROUP_DEVICE program,
 * BPF_PROG_ATTACH it to the cgroup with BPF_F_ALLOW_MULTI, then BPF_PROG_DETACH the
 * programs that were attached before. Between attach and detach both run and a device
 * must pass both, so there is no moment without a filter.
 */
import fs from "node:fs";
import { TsrunError, errnoName, errnoText } from "../errors.js";
import { koffi as ffiKoffi, libc as ffiLibc } from "./ffi.js";

const SYS_BPF: Record<string, number> = { x64: 321, arm64: 280, riscv64: 280, ppc64: 361, s390x: 351 };

// enum bpf_cmd
const BPF_PROG_LOAD = 5;
const BPF_PROG_ATTACH = 8;
const BPF_PROG_DETACH = 9;
const BPF_PROG_GET_FD_BY_ID = 13;
const BPF_PROG_QUERY = 16;
const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
const BPF_CGROUP_DEVICE = 6; // enum bpf_attach_type
const BPF_F_ALLOW_MULTI = 2;
const RLIMIT_MEMLOCK = 8;
/** sizeof(union bpf_attr) we pass: big enough for every field used, zero-filled. */
const ATTR_SIZE = 128;

interface Lib {
  koffi: { address(b: Buffer): bigint; errno(v?: number): number };
  syscall: (...a: unknown[]) => number | bigint;
  prlimit: (pid: number, res: number, newLim: Buffer, old: null) => number;
}

let lib: Lib | undefined;

function load(): Lib {
  if (lib) return lib;
  const nr = SYS_BPF[process.arch];
  if (nr === undefined) throw new TsrunError(`bpf: unsupported architecture ${process.arch}`);
  const koffi = ffiKoffi();
  const libc = ffiLibc();
  lib = {
    koffi,
    syscall: libc.func("long syscall(long, ...)"),
    prlimit: libc.func("int prlimit(int, int, const void *, void *)"),
  };
  return lib;
}

function bpf(cmd: number, attr: Buffer): number {
  const l = load();
  return Number(l.syscall(SYS_BPF[process.arch], "int", cmd, "void *", attr, "uint", attr.length));
}

function fail(op: string, obj: string, extra = ""): never {
  const e = errnoName(load().koffi.errno());
  throw new TsrunError(`${op} \`${obj}\`: ${errnoText(e)}${extra}`, e);
}

const addr = (b: Buffer): bigint => load().koffi.address(b);

/** Ids of the BPF_CGROUP_DEVICE programs attached directly to the cgroup `fd`. */
export function queryDevicePrograms(fd: number, dir: string): number[] {
  const ids = Buffer.alloc(64 * 4);
  const attr = Buffer.alloc(ATTR_SIZE);
  attr.writeUInt32LE(fd, 0); // target_fd
  attr.writeUInt32LE(BPF_CGROUP_DEVICE, 4); // attach_type
  attr.writeBigUInt64LE(addr(ids), 16); // prog_ids
  attr.writeUInt32LE(64, 24); // prog_cnt (in: room, out: count)
  if (bpf(BPF_PROG_QUERY, attr) < 0) fail("bpf(BPF_PROG_QUERY)", dir);
  const n = Math.min(attr.readUInt32LE(24), 64);
  return Array.from({ length: n }, (_, i) => ids.readUInt32LE(i * 4));
}

/** Before kernel 5.11 BPF memory counted against RLIMIT_MEMLOCK; lift it (as runc does). */
function raiseMemlock(): void {
  const lim = Buffer.alloc(16);
  lim.writeBigUInt64LE((1n << 64n) - 1n, 0);
  lim.writeBigUInt64LE((1n << 64n) - 1n, 8);
  load().prlimit(0, RLIMIT_MEMLOCK, lim, null);
}

export function loadDeviceProgram(insns: Buffer, license: string, dir: string): number {
  const lic = Buffer.from(license + "\0");
  const log = Buffer.alloc(64 * 1024);
  const attr = Buffer.alloc(ATTR_SIZE);
  attr.writeUInt32LE(BPF_PROG_TYPE_CGROUP_DEVICE, 0); // prog_type
  attr.writeUInt32LE(insns.length / 8, 4); // insn_cnt
  attr.writeBigUInt64LE(addr(insns), 8); // insns
  attr.writeBigUInt64LE(addr(lic), 16); // license
  attr.write("tsrun_dev", 48, "latin1"); // prog_name[16]
  let fd = bpf(BPF_PROG_LOAD, attr);
  if (fd < 0 && errnoName(load().koffi.errno()) === "EPERM") {
    raiseMemlock();
    fd = bpf(BPF_PROG_LOAD, attr);
  }
  if (fd >= 0) return fd;
  const errno = load().koffi.errno();
  // Load again with the verifier log on, to say why.
  attr.writeUInt32LE(1, 24); // log_level
  attr.writeUInt32LE(log.length, 28); // log_size
  attr.writeBigUInt64LE(addr(log), 32); // log_buf
  const again = bpf(BPF_PROG_LOAD, attr);
  if (again >= 0) return again;
  const text = log.toString("latin1", 0, Math.max(0, log.indexOf(0)));
  const last = text.trim().split("\n").pop();
  load().koffi.errno(errno);
  return fail("bpf(BPF_PROG_LOAD)", dir, last ? ` (verifier: ${last})` : "");
}

function attachOrDetach(cmd: number, cgFd: number, progFd: number, flags: number, dir: string): void {
  const attr = Buffer.alloc(ATTR_SIZE);
  attr.writeUInt32LE(cgFd, 0); // target_fd
  attr.writeUInt32LE(progFd, 4); // attach_bpf_fd
  attr.writeUInt32LE(BPF_CGROUP_DEVICE, 8); // attach_type
  attr.writeUInt32LE(flags, 12); // attach_flags
  if (bpf(cmd, attr) < 0) fail(cmd === BPF_PROG_ATTACH ? "bpf(BPF_PROG_ATTACH)" : "bpf(BPF_PROG_DETACH)", dir);
}

function progFdById(id: number, dir: string): number {
  const attr = Buffer.alloc(ATTR_SIZE);
  attr.writeUInt32LE(id, 0); // prog_id
  const fd = bpf(BPF_PROG_GET_FD_BY_ID, attr);
  if (fd < 0) fail("bpf(BPF_PROG_GET_FD_BY_ID)", `${dir} (prog id ${id})`);
  return fd;
}

function openDir(dir: string): number {
  try {
    return fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  } catch (e) {
    const c = (e as NodeJS.ErrnoException).code ?? "EIO";
    throw new TsrunError(`open \`${dir}\`: ${c}`, c);
  }
}

/** Replace the device filter of cgroup2 directory `dir` with `insns` (struct bpf_insn[]). */
export function attachDeviceFilter(dir: string, insns: Buffer, license: string): void {
  const cgFd = openDir(dir);
  let progFd = -1;
  try {
    const old = queryDevicePrograms(cgFd, dir);
    progFd = loadDeviceProgram(insns, license, dir);
    attachOrDetach(BPF_PROG_ATTACH, cgFd, progFd, BPF_F_ALLOW_MULTI, dir);
    for (const id of old) {
      const fd = progFdById(id, dir);
      try {
        attachOrDetach(BPF_PROG_DETACH, cgFd, fd, 0, dir);
      } finally {
        fs.closeSync(fd);
      }
    }
  } finally {
    if (progFd >= 0) fs.closeSync(progFd);
    fs.closeSync(cgFd);
  }
}

/** Detach every device program from `dir` (tests; a removed cgroup drops them anyway). */
export function detachAllDeviceFilters(dir: string): void {
  const cgFd = openDir(dir);
  try {
    for (const id of queryDevicePrograms(cgFd, dir)) {
      const fd = progFdById(id, dir);
      try {
        attachOrDetach(BPF_PROG_DETACH, cgFd, fd, 0, dir);
      } finally {
        fs.closeSync(fd);
      }
    }
  } finally {
    fs.closeSync(cgFd);
  }
}
