/**
 * The parent side of the sync protocol (mirror of native/sync.h).
 * Messages are fixed 256-byte datagrams on a SOCK_SEQPACKET socket.
 */
import { readSync, writeSync } from "node:fs";

export const MSG_SIZE = 256;
export const MSG_TEXT = 240;
export const MsgType = { MAPS_REQUEST: 1, GO: 2, PID: 3, READY: 4, ERROR: 5, HOOKS: 15, HOOKS_DONE: 16, SECCOMP_FD: 20 } as const;

export type SyncMsg =
  | { type: "maps-request"; pid: number }
  | { type: "go" }
  | { type: "pid"; pid: number }
  | { type: "ready" }
  | { type: "error"; op: number; errno: number; text: string }
  | { type: "hooks"; point: number }
  | { type: "hooks-done" }
  /** carries the seccomp listener fd (SCM_RIGHTS); decodeMsg leaves fd -1, recvMsgFd fills it */
  | { type: "seccomp-fd"; fd: number }
  | { type: "eof" };

export function decodeMsg(buf: Buffer, n: number): SyncMsg {
  if (n === 0) return { type: "eof" };
  if (n !== MSG_SIZE) throw new Error(`sync: short message (${n} bytes)`);
  const type = buf.readUInt32LE(0);
  const op = buf.readInt32LE(4);
  const err = buf.readInt32LE(8);
  const pid = buf.readInt32LE(12);
  switch (type) {
    case MsgType.MAPS_REQUEST: return { type: "maps-request", pid };
    case MsgType.GO: return { type: "go" };
    case MsgType.PID: return { type: "pid", pid };
    case MsgType.READY: return { type: "ready" };
    case MsgType.HOOKS: return { type: "hooks", point: pid };
    case MsgType.HOOKS_DONE: return { type: "hooks-done" };
    case MsgType.SECCOMP_FD: return { type: "seccomp-fd", fd: -1 };
    case MsgType.ERROR: {
      const raw = buf.subarray(16, 16 + MSG_TEXT);
      const end = raw.indexOf(0);
      return { type: "error", op, errno: err, text: raw.subarray(0, end < 0 ? raw.length : end).toString() };
    }
    default: throw new Error(`sync: unknown message type ${type}`);
  }
}

export function encodeMsg(msg: SyncMsg): Buffer {
  const buf = Buffer.alloc(MSG_SIZE);
  switch (msg.type) {
    case "maps-request": buf.writeUInt32LE(MsgType.MAPS_REQUEST, 0); buf.writeInt32LE(msg.pid, 12); break;
    case "go": buf.writeUInt32LE(MsgType.GO, 0); break;
    case "pid": buf.writeUInt32LE(MsgType.PID, 0); buf.writeInt32LE(msg.pid, 12); break;
    case "ready": buf.writeUInt32LE(MsgType.READY, 0); break;
    case "hooks": buf.writeUInt32LE(MsgType.HOOKS, 0); buf.writeInt32LE(msg.point, 12); break;
    case "hooks-done": buf.writeUInt32LE(MsgType.HOOKS_DONE, 0); break;
    case "seccomp-fd": buf.writeUInt32LE(MsgType.SECCOMP_FD, 0); break;
    case "error":
      buf.writeUInt32LE(MsgType.ERROR, 0); buf.writeInt32LE(msg.op, 4); buf.writeInt32LE(msg.errno, 8);
      buf.write(msg.text.slice(0, MSG_TEXT - 1), 16);
      break;
    case "eof": throw new Error("sync: eof is not sent");
  }
  return buf;
}

/** Blocking receive of one message (the child is fast; create is sequential anyway). */
export function recvMsg(fd: number): SyncMsg {
  const buf = Buffer.alloc(MSG_SIZE);
  for (;;) {
    try {
      return decodeMsg(buf, readSync(fd, buf, 0, MSG_SIZE, null));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EAGAIN" || code === "EINTR") continue;
      if (code === "ECONNRESET") return { type: "eof" };
      throw e;
    }
  }
}

export function sendMsg(fd: number, msg: SyncMsg): void {
  writeSync(fd, encodeMsg(msg));
}
