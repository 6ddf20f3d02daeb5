/**
 * Logging as runc does it. With --log FILE the lines go to the file (`{"level":"error","msg":"…","time":"RFC3339"}`
 * with --log-format json, logrus's text `time="…" level=error msg="…"` otherwise) and the error line also as plain
 * text to stderr. Without --log they go to stderr: with --log-format json every line is JSON (a client parses it);
 * with text the error is the plain message and a warning or --debug line is logrus's key=value text.
 * Levels are logrus's names (`warning`, not `warn`). Nothing is written on success without --debug.
 *
 * The JSON lines are pino's: a logger with runc's shape configured (no pid/hostname, the level as its name, no
 * timestamp of its own: msg and time are the logged object's members, so they follow level in logrus's order),
 * writing to a synchronous destination: pino.destination (sonic-boom, the file opened O_APPEND, one write per line).
 * A text line is one append (or one write to fd 2). pino is required only when a JSON line is written, so a call
 * that logs nothing never loads it (docs/PERFORMANCE.md, round 5); no transport, so no worker thread.
 */
import { appendFileSync } from "node:fs";
import { writeStderr } from "./out.js";

export type Level = "debug" | "info" | "warn" | "error";

export interface LogOptions { file?: string; format: "text" | "json"; debug: boolean }

/** RFC3339 with seconds, UTC, as containerd expects: 2026-11-22T19:17:22Z */
export function rfc3339(d = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** logrus's name of each level, which runc writes */
const NAME: Record<Level, string> = { debug: "debug", info: "info", warn: "warning", error: "error" };

export function textLine(level: Level, msg: string, time = rfc3339()): string {
  return `time="${time}" level=${NAME[level]} msg=${JSON.stringify(msg)}\n`;
}

type Sink = Record<Level, (o: { msg: string; time: string }) => void>;
type Pino = typeof import("pino");

let pinoModule: Pino | undefined;
function loadPino(): Pino {
  return (pinoModule ??= typeof require === "function" ? require("pino")
    : process.getBuiltinModule("node:module").createRequire(import.meta.url)("pino")); // as in spec/load.ts: loaded only here
}

/** The pino logger that writes runc's JSON lines to `dest`: a file (appended) or fd 2. */
export function jsonSink(dest: string | 2): Sink {
  const pino = loadPino();
  return pino({ level: "debug", base: null, timestamp: false, formatters: { level: (label) => ({ level: NAME[label as Level] ?? label }) } },
    pino.destination({ dest, sync: true, append: true })) as unknown as Sink;
}

export class Logger {
  private sink?: Sink;
  constructor(readonly opts: LogOptions) {}

  private line(level: Level, msg: string): void {
    const { file, format } = this.opts;
    let jsonOnStderr = false;
    try {
      if (format === "json") { (this.sink ??= jsonSink(file ?? 2))[level]({ msg, time: rfc3339() }); jsonOnStderr = !file; }
      else if (file) appendFileSync(file, textLine(level, msg));
    } catch {
      /* a log we cannot write must not hide the real error: stderr gets the text below */
    }
    if (jsonOnStderr || (file && level !== "error")) return;
    writeStderr(level === "error" ? msg + "\n" : textLine(level, msg));
  }

  error(msg: string): void { this.line("error", msg); }
  warn(msg: string): void { this.line("warn", msg); }
  debug(msg: string): void { if (this.opts.debug) this.line("debug", msg); }
}
