/**
 * Write to fd 1 or 2 directly: creating process.stdout or process.stderr costs a few ms of
 * start-up under either engine (a stream and, for a pipe, an event-loop handle), a visible
 * share of `tsrun state` and of every one-line error. Falls back to the stream when the fd
 * is non-blocking and full.
 */
import { writeSync } from "node:fs";

function writeFd(fd: 1 | 2, text: string): void {
  const buf = Buffer.from(text);
  let off = 0;
  try {
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EPIPE" || code === "EBADF") return;   // nobody reads it: as a closed stream would
    if (code !== "EAGAIN") throw e;
    (fd === 1 ? process.stdout : process.stderr).write(buf.subarray(off));
  }
}

export function writeStdout(text: string): void { writeFd(1, text); }
export function writeStderr(text: string): void { writeFd(2, text); }
