/**
 * The global --log/--log-format/--debug flags, read from argv before commander parses it, so
 * that an error commander itself reports (an unknown subcommand, a missing argument) also
 * reaches the log file: containerd shows the last error line of log.json, and without one it
 * only says "unable to retrieve OCI runtime error".
 */
import type { LogOptions } from "./log.js";
import { GLOBAL_FLAGS } from "./flags.js";

const WITH_VALUE = new Set(GLOBAL_FLAGS.filter((f) => f.value).map((f) => f.long));

export function scanLogFlags(argv: string[]): LogOptions {
  const o: LogOptions = { format: "text", debug: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("-")) break;                 // the subcommand: global flags end here
    const eq = a.indexOf("=");
    const name = eq > 0 ? a.slice(0, eq) : a;
    let value: string | undefined;
    if (WITH_VALUE.has(name)) value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (name === "--log" && value) o.file = value;
    else if (name === "--log-format" && (value === "json" || value === "text")) o.format = value;
    else if (name === "--debug") o.debug = true;
  }
  return o;
}

/** commander's error text ("error: unknown command 'x'\n(Did you mean y?)") as one line. */
export function oneLine(s: string): string {
  return s.replace(/^error: /, "").split("\n").map((l) => l.trim()).filter(Boolean).join(" ");
}
