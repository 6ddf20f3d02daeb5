/**
 * The wire format of the sync protocol (mirror of native/sync.h): fixed 256-byte
 * datagrams on a SOCK_SEQPACKET socket. Pure: the socket itself is src/sync/channel.ts,
 * and the order of the messages is src/sync/driver.ts.
 */

export const MSG_SIZE = 256;
export const MSG_TEXT = 236;
export const MsgType = { MAPS_REQUEST: 1, GO: 2, PID: 3, READY: 4, ERROR: 5, HOOKS: 15, HOOKS_DONE: 16, SECCOMP_FD: 20 } as const;
/** byte offsets of struct tsrun_msg's members (a unit test compiles sync.h and compares) */
export const MsgField = { type: 0, op: 4, err: 8, pid: 12, point: 16, text: 20 } as const;

export type SyncMsg =
  | { type: "maps-request"; pid: number }
  | { type: "go" }
  | { type: "pid"; pid: number }
  | { type: "ready" }
  | { type: "error"; op: number; errno: number; text: string }
  | { type: "hooks"; point: number }
  | { type: "hooks-done" }
  /** carries the seccomp listener fd (SCM_RIGHTS); decodeMsg leaves fd -1, the channel fills it */
  | { type: "seccomp-fd"; fd: number }
  | { type: "eof" };

export function decodeMsg(buf: Buffer, n: number): SyncMsg {
  if (n === 0) return { type: "eof" };
  if (n !== MSG_SIZE) throw new Error(`sync: short message (${n} bytes)`);
  const type = buf.readUInt32LE(MsgField.type);
  const pid = buf.readInt32LE(MsgField.pid);
  switch (type) {
    case MsgType.MAPS_REQUEST: return { type: "maps-request", pid };
    case MsgType.GO: return { type: "go" };
    case MsgType.PID: return { type: "pid", pid };
    case MsgType.READY: return { type: "ready" };
    case MsgType.HOOKS: return { type: "hooks", point: buf.readInt32LE(MsgField.point) };
    case MsgType.HOOKS_DONE: return { type: "hooks-done" };
    case MsgType.SECCOMP_FD: return { type: "seccomp-fd", fd: -1 };
    case MsgType.ERROR: {
      const raw = buf.subarray(MsgField.text, MsgField.text + MSG_TEXT);
      const end = raw.indexOf(0);
      return { type: "error", op: buf.readInt32LE(MsgField.op), errno: buf.readInt32LE(MsgField.err), text: raw.subarray(0, end < 0 ? raw.length : end).toString() };
    }
    default: throw new Error(`sync: unknown message type ${type}`);
  }
}

export function encodeMsg(msg: SyncMsg): Buffer {
  const buf = Buffer.alloc(MSG_SIZE);
  switch (msg.type) {
    case "maps-request": buf.writeUInt32LE(MsgType.MAPS_REQUEST, MsgField.type); buf.writeInt32LE(msg.pid, MsgField.pid); break;
    case "go": buf.writeUInt32LE(MsgType.GO, MsgField.type); break;
    case "pid": buf.writeUInt32LE(MsgType.PID, MsgField.type); buf.writeInt32LE(msg.pid, MsgField.pid); break;
    case "ready": buf.writeUInt32LE(MsgType.READY, MsgField.type); break;
    case "hooks": buf.writeUInt32LE(MsgType.HOOKS, MsgField.type); buf.writeInt32LE(msg.point, MsgField.point); break;
    case "hooks-done": buf.writeUInt32LE(MsgType.HOOKS_DONE, MsgField.type); break;
    case "seccomp-fd": buf.writeUInt32LE(MsgType.SECCOMP_FD, MsgField.type); break;
    case "error":
      buf.writeUInt32LE(MsgType.ERROR, MsgField.type); buf.writeInt32LE(msg.op, MsgField.op); buf.writeInt32LE(msg.errno, MsgField.err);
      buf.write(msg.text, MsgField.text, MSG_TEXT - 1);
      break;
    case "eof": throw new Error("sync: eof is not sent");
  }
  return buf;
}
