/**
 * Logging as runc does it. With --log FILE the error line goes to the file
 * (`{"level":"error","msg":"…","time":"RFC3339"}` with --log-format json, logrus-style
 * text otherwise) AND as plain text to stderr. Without --log only stderr. Nothing is
 * written on success.
 *
 * The file lines are pino's: a logger with runc's shape configured (no pid/hostname, the level
 * as its label, no timestamp of its own: msg and time are the logged object's members, so they
 * follow level in logrus's order), writing to a synchronous destination: pino.destination
 * (sonic-boom, opened O_APPEND, one write per line) for json, and for text a destination that
 * rewrites each line as logrus text in one append. pino is required only when a line is written,
 * so a call that logs nothing never loads it (docs/PERFORMANCE.md, round 5); no transport, so no
 * worker thread.
 */
import { appendFileSync } from "node:fs";
import { writeStderr } from "./out.js";

export type Level = "debug" | "info" | "warn" | "error";

export interface LogOptions { file?: string; format: "text" | "json"; debug: boolean }

/** RFC3339 with seconds, UTC, as containerd expects: 2026-11-22T19:17:22Z */
export function rfc3339(d = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function textLine(level: Level, msg: string, time = rfc3339()): string {
  return `time="${time}" level=${level} msg=${JSON.stringify(msg)}\n`;
}

type Sink = Record<Level, (o: { msg: string; time: string }) => void>;
type Pino = typeof import("pino");

let pinoModule: Pino | undefined;
function loadPino(): Pino {
  return (pinoModule ??= typeof require === "function" ? require("pino")
    : process.getBuiltinModule("node:module").createRequire(import.meta.url)("pino")); // as in spec/load.ts: loaded only here
}

/** The pino logger that writes runc's lines for `opts` to `file`. */
export function fileSink(file: string, format: "text" | "json"): Sink {
  const pino = loadPino();
  const dest = format === "json"
    ? pino.destination({ dest: file, sync: true, append: true })
    : { write(line: string) { const o = JSON.parse(line); appendFileSync(file, textLine(o.level, o.msg, o.time)); } };
  return pino({ level: "debug", base: null, timestamp: false, formatters: { level: (label) => ({ level: label }) } }, dest) as unknown as Sink;
}

export class Logger {
  private sink?: Sink;
  constructor(readonly opts: LogOptions) {}

  private toFile(level: Level, msg: string): void {
    const file = this.opts.file;
    if (!file) return;
    try {
      (this.sink ??= fileSink(file, this.opts.format))[level]({ msg, time: rfc3339() });
    } catch {
      /* a log file we cannot write must not hide the real error */
    }
  }

  error(msg: string): void {
    this.toFile("error", msg);
    writeStderr(msg + "\n");
  }
  warn(msg: string): void {
    this.toFile("warn", msg);
    if (!this.opts.file) writeStderr(`warning: ${msg}\n`);
  }
  debug(msg: string): void {
    if (!this.opts.debug) return;
    this.toFile("debug", msg);
    if (!this.opts.file) writeStderr(`debug: ${msg}\n`);
  }
}
