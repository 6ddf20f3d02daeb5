/**
 * --pid-file for create and exec. The pid goes into a temporary file next to the target, which
 * is then renamed over it, so a reader never sees a partial file. The temporary file is made
 * with O_CREAT|O_EXCL|O_NOFOLLOW under a random name: a link planted by another user in a
 * shared directory is never followed (O_EXCL fails on any existing name, a symlink included),
 * and the name cannot be guessed in advance. rename(2) replaces a symlink at the target itself
 * rather than writing through it. The file is 0644, as runc's. (libuv opens every fd O_CLOEXEC.)
 */
import * as fs from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { sysError } from "./errors.js";

const TMP_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;

/** The temporary name for `target` given 16 random bytes: hidden, in the target's directory. */
export function pidFileTempName(target: string, random: Buffer): string {
  return join(dirname(target), `.${basename(target)}.tsrun-${random.toString("hex")}`);
}

function randomBytes16(): Buffer {
  const b = Buffer.alloc(16);
  const fd = fs.openSync("/dev/urandom", fs.constants.O_RDONLY);
  try {
    if (fs.readSync(fd, b, 0, b.length, null) !== b.length) throw new Error("short read");
  } finally {
    fs.closeSync(fd);
  }
  return b;
}

export function writePidFile(path: string, pid: number): void {
  const abs = resolve(path);
  let tmp: string | undefined;
  try {
    tmp = pidFileTempName(abs, randomBytes16());
    const fd = fs.openSync(tmp, TMP_FLAGS, 0o644);
    try {
      fs.fchmodSync(fd, 0o644);
      fs.writeSync(fd, String(pid));
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, abs);
    tmp = undefined;
  } catch (e) {
    if (tmp !== undefined) {
      try { fs.unlinkSync(tmp); } catch { /* never made, or already gone */ }
    }
    throw sysError("write pid file", abs, e);
  }
}
