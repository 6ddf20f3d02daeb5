/**
 * Logging as runc does it. With --log FILE the error line goes to the file
 * (`{"level":"error","msg":"…","time":"RFC3339"}` with --log-format json, logrus-style
 * text otherwise) AND as plain text to stderr. Without --log only stderr. Nothing is
 * written on success. Each line is one append (O_APPEND), so lines from concurrent calls
 * sharing a log file never interleave.
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

/** logrus's JSON line, keys in its (sorted) order: {"level":"error","msg":"…","time":"…"} */
export function jsonLine(level: Level, msg: string, time = rfc3339()): string {
  return JSON.stringify({ level, msg, time }) + "\n";
}

export class Logger {
  constructor(readonly opts: LogOptions) {}

  private toFile(level: Level, msg: string): void {
    const file = this.opts.file;
    if (!file) return;
    try {
      appendFileSync(file, this.opts.format === "json" ? jsonLine(level, msg) : textLine(level, msg));
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
