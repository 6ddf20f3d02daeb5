/**
 * Stdio that is /dev/null opened read-only (containerd's `ctr run --null-io` hands the
 * runtime `os.Open("/dev/null")` as fds 0, 1 and 2) would make every write of the
 * container fail with EBADF. runc reopens such fds read-write before the process runs;
 * so does tsrun, here, before cloning init: init inherits the read-write /dev/null.
 * Only a character device 1:3 is touched; pipes, files, ttys and sockets stay as they are.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import { TsrunError, errnoName } from "../errors.js";

const require = createRequire(import.meta.url);
const DEV_NULL = (1 << 8) | 3;   // makedev(1, 3)
const O_ACCMODE = 3, O_RDWR = 2;

/** The access mode of our fd, from /proc/self/fdinfo ("flags:\t0100002", octal). */
function accessMode(fd: number): number {
  const m = /^flags:\s*([0-7]+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"));
  return m ? parseInt(m[1], 8) & O_ACCMODE : O_RDWR;
}

export function reopenDevNullStdio(): void {
  let dup2: ((from: number, to: number) => number) | undefined;
  let errno: () => number = () => 0;
  for (const fd of [0, 1, 2]) {
    let st: fs.Stats;
    try { st = fs.fstatSync(fd); } catch { continue; }
    if (!st.isCharacterDevice() || st.rdev !== DEV_NULL) continue;
    try { if (accessMode(fd) === O_RDWR) continue; } catch { continue; }
    if (!dup2) {
      const koffi = require("koffi");
      dup2 = koffi.load("libc.so.6").func("int dup2(int, int)") as (from: number, to: number) => number;
      errno = () => koffi.errno() as number;
    }
    const n = fs.openSync("/dev/null", "r+"); // libuv opens it with O_CLOEXEC
    try {
      if (dup2(n, fd) < 0) throw new TsrunError(`dup2 \`/dev/null\` to fd ${fd}: ${errnoName(errno())}`, errnoName(errno()));
    } finally {
      fs.closeSync(n);
    }
  }
}
