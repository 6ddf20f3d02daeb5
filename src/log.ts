/**
 * Logging as runc does it. With --log FILE the error line goes to the file
 * (`{"level":"error","msg":"…","time":"RFC3339"}` with --log-format json, logrus-style
 * text otherwise) AND as plain text to stderr. Without --log only stderr. Nothing is
 * written on success. pino is loaded only when a line is actually written to a file.
 */
import { appendFileSync } from "node:fs";
import { createRequire } from "node:module";

export type Level = "debug" | "info" | "warn" | "error";

export interface LogOptions { file?: string; format: "text" | "json"; debug: boolean }

let req: NodeJS.Require | undefined; // made on first use: createRequire(import.meta.url) costs ~1 ms at start-up in the bundle
const require = (id: string): any => (req ??= createRequire(import.meta.url))(id);

/** RFC3339 with seconds, UTC, as containerd expects: 2026-11-22T19:17:22Z */
export function rfc3339(d = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function textLine(level: Level, msg: string, time = rfc3339()): string {
  return `time="${time}" level=${level} msg=${JSON.stringify(msg)}\n`;
}

export class Logger {
  private pino: { [k: string]: (obj: object, msg: string) => void } | undefined;
  constructor(readonly opts: LogOptions) {}

  private toFile(level: Level, msg: string): void {
    const file = this.opts.file;
    if (!file) return;
    try {
      if (this.opts.format === "json") {
        if (!this.pino) {
          const pino = require("pino");
          this.pino = pino(
            {
              base: undefined, timestamp: false, messageKey: "msg", level: "debug",
              formatters: { level: (label: string) => ({ level: label }) },
            },
            pino.destination({ dest: file, sync: true, append: true, mkdir: false }),
          );
        }
        this.pino![level]({ time: rfc3339() }, msg);
      } else {
        appendFileSync(file, textLine(level, msg));
      }
    } catch {
      /* a log file we cannot write must not hide the real error */
    }
  }

  error(msg: string): void {
    this.toFile("error", msg);
    process.stderr.write(msg + "\n");
  }
  warn(msg: string): void {
    this.toFile("warn", msg);
    if (!this.opts.file) process.stderr.write(`warning: ${msg}\n`);
  }
  debug(msg: string): void {
    if (!this.opts.debug) return;
    this.toFile("debug", msg);
    if (!this.opts.file) process.stderr.write(`debug: ${msg}\n`);
  }
}
