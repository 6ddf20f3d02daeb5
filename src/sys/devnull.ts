/**
 * Stdio that is /dev/null opened read-only (containerd's `ctr run --null-io` hands the
 * runtime `os.Open("/dev/null")` as fds 0, 1 and 2) would make every write of the
 * container fail with EBADF. runc reopens such fds read-write before the process runs;
 * so does tsrun, here, before cloning init: init inherits the read-write /dev/null.
 * Only a character device 1:3 is touched; pipes, files, ttys and sockets stay as they are.
 */
import * as fs from "node:fs";
import type { Sys } from "./types.js";

const DEV_NULL = (1 << 8) | 3;   // makedev(1, 3)
const O_ACCMODE = 3, O_RDWR = 2;

/** The access mode of our fd, from /proc/self/fdinfo ("flags:\t0100002", octal). */
function accessMode(fd: number): number {
  const m = /^flags:\s*([0-7]+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"));
  return m ? parseInt(m[1], 8) & O_ACCMODE : O_RDWR;
}

export function reopenDevNullStdio(sys: Sys): void {
  for (const fd of [0, 1, 2]) {
    let st: fs.Stats;
    try { st = fs.fstatSync(fd); } catch { continue; }
    if (!st.isCharacterDevice() || st.rdev !== DEV_NULL) continue;
    try { if (accessMode(fd) === O_RDWR) continue; } catch { continue; }
    const n = fs.openSync("/dev/null", "r+"); // libuv opens it with O_CLOEXEC
    try {
      sys.dup2(n, fd);
    } finally {
      fs.closeSync(n);
    }
  }
}
