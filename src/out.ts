/**
 * Write to fd 1 directly: creating process.stdout costs a few ms of start-up (a stream and,
 * for a pipe, a libuv handle), which is a visible share of `tsrun state`. Falls back to
 * process.stdout when fd 1 is non-blocking and full.
 */
import { writeSync } from "node:fs";

export function writeStdout(text: string): void {
  const buf = Buffer.from(text);
  let off = 0;
  try {
    while (off < buf.length) off += writeSync(1, buf, off, buf.length - off);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
    process.stdout.write(buf.subarray(off));
  }
}
