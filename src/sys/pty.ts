/**
 * Terminals, runtime side: libtsrun's pty.c through koffi. Connecting to a console
 * socket, the socketpair tsrun receives a master on when it proxies the pty itself,
 * raw mode, window sizes, and the proxy loop (on a worker thread, so signals and
 * waitpid keep running on the main one).
 */
import { checkErrno } from "../errors.js";
import { libtsrun } from "./ffi.js";

interface PtyLib {
  connect: (path: string) => number;
  socketpair: (out: Int32Array) => number;
  winsizeCopy: (from: number, to: number) => number;
  winsizeGet: (fd: number) => number;
  ttyRaw: (fd: number, on: number) => number;
  proxy: { async: (m: number, i: number, o: number, cb: (err: unknown, r: number) => void) => void };
}
let lib: PtyLib | undefined;

function load(): PtyLib {
  if (lib) return lib;
  const l = libtsrun();
  lib = {
    connect: l.func("int tsrun_connect_unix(const char *)"),
    socketpair: l.func("int tsrun_socketpair(_Out_ int32_t *)"),
    winsizeCopy: l.func("int tsrun_winsize_copy(int, int)"),
    winsizeGet: l.func("int tsrun_winsize_get(int)"),
    ttyRaw: l.func("int tsrun_tty_raw(int, int)"),
    proxy: l.func("int tsrun_pty_proxy(int, int, int)"),
  };
  return lib;
}

/** A connected stream socket to a console socket path (runc's --console-socket). */
export function connectConsole(path: string): number {
  return checkErrno(load().connect(path), "connect", path);
}

export function socketpair(): [number, number] {
  const fds = new Int32Array(2);
  checkErrno(load().socketpair(fds), "socketpair", "console");
  return [fds[0], fds[1]];
}

export function copyWinsize(from: number, to: number): boolean {
  return load().winsizeCopy(from, to) === 0;
}

/** The size of the terminal on fd 0 (else 1), or undefined when neither is a terminal with a size. */
export function ourWinsize(): { height: number; width: number } | undefined {
  for (const fd of [0, 1]) {
    const v = load().winsizeGet(fd);
    if (v > 0 && (v & 0xffff) > 0) return { height: v >>> 16, width: v & 0xffff };
  }
  return undefined;
}

/** Raw mode on fd when it is a tty; true when it was changed (restore with rawOff). */
export function rawOn(fd: number): boolean {
  return load().ttyRaw(fd, 1) === 1;
}
export function rawOff(): void {
  load().ttyRaw(-1, 0);
}

/** Copy stdin → master and master → stdout until the slave side is closed. */
export function proxy(master: number, input: number, output: number): Promise<number> {
  return new Promise((resolve) => load().proxy.async(master, input, output, (_e, r) => resolve(r)));
}
