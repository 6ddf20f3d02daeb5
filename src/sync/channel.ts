/**
 * The parent's end of the sync socket (native/sync.h), behind the small interface the
 * driver talks to: tests script the child with a fake channel, the runtime uses the socket.
 */
import { writeSync } from "node:fs";
import { TsrunError, sysError } from "../errors.js";
import { closeFd, recvWithFd } from "../sys/fdmsg.js";
import { MSG_SIZE, decodeMsg, encodeMsg, type SyncMsg } from "../sys/sync.js";

export interface SyncChannel {
  /** false when the child is gone (EPIPE, ECONNRESET): a report it sent first may still be queued */
  send(msg: SyncMsg): boolean;
  /** the next message, blocking; "eof" once the child's end is closed. A "seccomp-fd" message owns its fd */
  recv(): SyncMsg;
  /** close an fd that came with a message */
  closeFd(fd: number): void;
}

/** The one receive of the sync protocol: recvmsg(2), so that an fd can ride along. */
export function recvMsg(sock: number): SyncMsg {
  const buf = Buffer.alloc(MSG_SIZE);
  const { n, fd } = recvWithFd(sock, buf);
  let m: SyncMsg;
  try {
    m = decodeMsg(buf, n);
  } catch (e) {
    closeFd(fd);
    throw new TsrunError((e as Error).message);
  }
  if (m.type === "seccomp-fd") {
    if (fd < 0) throw new TsrunError("sync: seccomp listener fd missing from the child's message");
    return { type: "seccomp-fd", fd };
  }
  closeFd(fd);                                     // an fd on any other message is not ours to keep
  return m;
}

export function sendMsg(sock: number, msg: SyncMsg): boolean {
  try {
    writeSync(sock, encodeMsg(msg));
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EPIPE" || code === "ECONNRESET") return false;
    throw sysError("send", "sync socket", e);
  }
}

/** The channel over the socket that sys.spawn returned (the caller still closes it). */
export function socketChannel(sock: number): SyncChannel {
  return { send: (m) => sendMsg(sock, m), recv: () => recvMsg(sock), closeFd };
}
