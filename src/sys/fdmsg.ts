/**
 * koffi bindings for native/fdmsg.c (and tsrun_send_fd): a sync message that may carry an
 * fd, and a unix stream connection to a seccomp listener. Loaded lazily, only by create
 * when a profile uses SCMP_ACT_NOTIFY.
 */
import { checkErrno } from "../errors.js";
import { libc as ffiLibc, libtsrun } from "./ffi.js";
import { MSG_SIZE, decodeMsg, type SyncMsg } from "./sync.js";

interface FdMsgLib {
  recvMsg(sock: number, buf: Buffer, len: number, fd: number[]): number;
  connect(path: string): number;
  sendFd(sock: number, fd: number, text: string): number;
  close(fd: number): number;
}

let lib: FdMsgLib | undefined;

function load(): FdMsgLib {
  if (lib) return lib;
  const l = libtsrun();
  const libc = ffiLibc();
  lib = {
    recvMsg: l.func("int tsrun_recv_msg(int, _Out_ uint8_t *, uint32_t, _Out_ int32_t *)"),
    connect: l.func("int tsrun_unix_connect(const char *)"),
    sendFd: l.func("int tsrun_send_fd(int, int, const char *)"),
    close: libc.func("int close(int)"),
  };
  return lib;
}

/** Like recvMsg, but with recvmsg(2): a "seccomp-fd" message comes with its fd (the caller closes it). */
export function recvMsgFd(sock: number): SyncMsg {
  const l = load();
  const buf = Buffer.alloc(MSG_SIZE);
  const fd = [-1];
  const n = l.recvMsg(sock, buf, MSG_SIZE, fd);
  if (n < 0) {
    checkErrno(n, "recvmsg", "sync socket");
  }
  let m: SyncMsg;
  try {
    m = decodeMsg(buf, n);
  } catch (e) {
    if (fd[0] >= 0) l.close(fd[0]);
    throw e;
  }
  if (m.type === "seccomp-fd") return { type: "seccomp-fd", fd: fd[0] };
  if (fd[0] >= 0) l.close(fd[0]);             // an fd on any other message is not ours to keep
  return m;
}

/** Connect to a unix stream socket: the fd, or a TsrunError `connect \`path\`: ERRNO`. */
export function connectUnix(path: string): number {
  return checkErrno(load().connect(path), "connect", path);
}

/** sendmsg(sock, text + SCM_RIGHTS fd). */
export function sendWithFd(sock: number, fd: number, text: string, what: string): void {
  checkErrno(load().sendFd(sock, fd, text), "sendmsg", what);
}

export function closeFd(fd: number): void {
  if (fd >= 0) load().close(fd);
}
