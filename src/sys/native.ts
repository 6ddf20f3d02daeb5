/**
 * The real Sys: libtsrun.so (native/, our C executor) and a few libc calls, through koffi
 * (loaded by ./ffi.ts, as for libseccomp.ts, bpf.ts, pty.ts and fdmsg.ts). Loaded lazily:
 * commands that need no FFI never pay for it.
 */
import { TsrunError, errnoName, errnoText, checkErrno } from "../errors.js";
import { koffi as ffiKoffi, libc as ffiLibc, libtsrun, initBytes } from "./ffi.js";
import { socketChannel } from "../sync/channel.js";
import type { Sys, SpawnInput, SpawnResult, WaitResult } from "./types.js";

const SYS_pidfd_open = 434;
const SYS_pidfd_send_signal = 424;
const PR_SET_CHILD_SUBREAPER = 36;
const F_GETFD = 1;
const LOCK = { sh: 1, ex: 2, un: 8 } as const;
const LOCK_NB = 4;
const MNT_DETACH = 2;
const UMOUNT_NOFOLLOW = 8;
const O_CLOEXEC = 0o2000000;

let cached: Sys | undefined;

export function nativeSys(): Sys {
  if (cached) return cached;
  const koffi = ffiKoffi();
  const libc = ffiLibc();
  const lib = libtsrun();
  const c = {
    flock: libc.func("int flock(int, int)"),
    mkfifo: libc.func("int mkfifo(const char *, uint32_t)"),
    prctl: libc.func("int prctl(int, unsigned long, unsigned long, unsigned long, unsigned long)"),
    syscall: libc.func("long syscall(long, ...)"),
    waitpid: libc.func("int waitpid(int, _Out_ int *, int)"),
    dup2: libc.func("int dup2(int, int)"),
    pipe2: libc.func("int pipe2(_Out_ int32_t *, int)"),
    umount2: libc.func("int umount2(const char *, int)"),
    spawn: lib.func("int tsrun_spawn(const uint8_t *, uint32_t, const int32_t *, _Inout_ int32_t *)"),
    sealedMemfd: lib.func("int tsrun_sealed_memfd(const char *, const uint8_t *, uint32_t)"),
    fcntl: libc.func("int fcntl(int, int, ...)"),
    sendFd: lib.func("int tsrun_send_fd(int, int, const char *)"),
    recvFd: lib.func("int tsrun_recv_fd(int, _Out_ uint8_t *, uint32_t)"),
  };
  const errno = (): string => errnoName(koffi.errno());
  const fail = (op: string, obj: string): never => {
    const e = errno();
    throw new TsrunError(`${op} \`${obj}\`: ${errnoText(e)}`, e);
  };

  // the sealed copy of tsrun-init, made once per process: every spawned child execs it
  let initFd = -1;
  const sealedInit = (): number => {
    if (initFd >= 0) return initFd;
    const bytes = initBytes();
    initFd = checkErrno(c.sealedMemfd("tsrun-init", bytes, bytes.length), "memfd_create", "tsrun-init");
    return initFd;
  };

  cached = {
    spawn(input: SpawnInput): SpawnResult {
      const stdio = input.stdio ?? [-1, -1, -1];
      const inp = Int32Array.from([input.cgroupFd, input.stateDirFd, input.consoleFd, input.preserveFds, sealedInit(), ...stdio]);
      const out = new Int32Array(8).fill(-1);
      checkErrno(c.spawn(input.plan, input.plan.length, inp, out), "clone", "container init");
      return { pid: out[0], pidfd: out[1], syncFd: out[2], inCgroup: out[3] === 1 };
    },
    flock(fd, op, nonblock = false) {
      if (c.flock(fd, LOCK[op] | (nonblock ? LOCK_NB : 0)) === 0) return true;
      const e = errno();
      if (e === "EWOULDBLOCK" || e === "EAGAIN") return false;
      throw new TsrunError(`flock \`fd ${fd}\`: ${errnoText(e)}`, e);
    },
    mkfifo(path, mode) {
      if (c.mkfifo(path, mode) !== 0) fail("mkfifo", path);
    },
    pidfdOpen(pid) {
      const fd = Number(c.syscall(SYS_pidfd_open, "int", pid, "uint", 0));
      if (fd < 0) fail("pidfd_open", `pid ${pid}`);
      return fd;
    },
    pidfdSendSignal(pidfd, signal) {
      const r = Number(c.syscall(SYS_pidfd_send_signal, "int", pidfd, "int", signal, "void *", null, "uint", 0));
      if (r < 0) fail("pidfd_send_signal", `signal ${signal}`);
    },
    geteuid() {
      return process.geteuid!();
    },
    setSubreaper() {
      if (c.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) !== 0) fail("prctl", "PR_SET_CHILD_SUBREAPER");
    },
    waitpid(pid: number, flags = 0): Promise<WaitResult> {
      return new Promise((resolve, reject) => {
        const st = [0];
        const retry = (): void => c.waitpid.async(pid, st, flags, (err: unknown, r: number) => {
          if (err) return reject(err);
          if (r < 0) {
            const e = errno();
            if (e === "EINTR") return retry();
            return reject(new TsrunError(`waitpid \`${pid}\`: ${errnoText(e)}`, e));
          }
          resolve({ pid: r, status: st[0] });
        });
        retry();
      });
    },
    sendFd(sock, fd, text) {
      checkErrno(c.sendFd(sock, fd, text), "sendmsg", `fd ${sock}`);
    },
    recvFd(sock) {
      const buf = Buffer.alloc(4096);
      const fd = checkErrno(c.recvFd(sock, buf, buf.length), "recvmsg", `fd ${sock}`);
      const end = buf.indexOf(0);
      return { fd, text: buf.subarray(0, end < 0 ? buf.length : end).toString() };
    },
    fdFlags(fd) {
      const r = c.fcntl(fd, F_GETFD);
      if (r >= 0) return r;
      const e = errno();
      if (e === "EBADF") return null;
      throw new TsrunError(`fcntl \`fd ${fd}\`: ${errnoText(e)}`, e);
    },
    pipe() {
      const fds = new Int32Array(2);
      if (c.pipe2(fds, O_CLOEXEC) < 0) fail("pipe2", "stdio");
      return [fds[0], fds[1]];
    },
    dup2(from, to) {
      if (c.dup2(from, to) < 0) fail("dup2", `fd ${from} to fd ${to}`);
    },
    detachMount(path) {
      if (c.umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0) fail("umount", path);
    },
    syncChannel: socketChannel,
  };
  return cached;
}
