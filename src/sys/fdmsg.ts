/**
 * koffi bindings for native/fdmsg.c (and tsrun_send_fd): a datagram that may carry an
 * fd (every sync message is received this way), and a unix stream connection to a
 * seccomp listener. Loaded lazily, on the first sync message.
 */
import { checkErrno } from "../errors.js";
import { libc as ffiLibc, libtsrun } from "./ffi.js";

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

/**
 * recvmsg(2) of one datagram into buf: its length (0 at EOF) and the first fd that came
 * with it (SCM_RIGHTS), else -1; the caller owns that fd. Only src/sync/channel.ts calls it.
 */
export function recvWithFd(sock: number, buf: Buffer): { n: number; fd: number } {
  const fd = [-1];
  const n = load().recvMsg(sock, buf, buf.length, fd);
  if (n < 0) checkErrno(n, "recvmsg", "sync socket");
  return { n, fd: fd[0] };
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
