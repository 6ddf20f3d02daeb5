/**
 * The part of the commander-free fast path that the small `state` bundle shares with
 * src/fastpath.ts: runc's global flags (only --root, --log, --log-format, --debug, --systemd-cgroup) and
 * running a call with src/cli.ts's error handling. No command modules are imported here.
 */
import { Logger } from "./log.js";
import { TsrunError } from "./errors.js";
import { makeCtx, type Ctx } from "./context.js";
import { DEFAULT_ROOT } from "./state/store.js";
import { cgroupDriver } from "./cgroup/systemd-path.js";

export interface FastCall {
  root: string;
  log?: string;
  logFormat: "text" | "json";
  debug: boolean;
  run: (ctx: Ctx) => Promise<number | void> | number | void;
  /** create/run: the id and the option object given to the command (what commander would give) */
  args?: [string, Record<string, string | boolean>];
}

export const isArg = (s: string | undefined): s is string => s !== undefined && s !== "" && !s.startsWith("-");

/**
 * The value of the flag at argv[i] whose "=" is at `eq` (-1: none): "--flag=v" gives v, "--flag v"
 * gives argv[i + 1] (the caller then skips it), unless that is missing or starts with "-" (left to
 * commander, which reports it). undefined: not a form the fast path takes.
 */
export function flagValue(argv: readonly string[], i: number, eq: number): string | undefined {
  if (eq >= 0) return argv[i].slice(eq + 1);
  const v = argv[i + 1];
  return v === undefined || v.startsWith("-") ? undefined : v;
}

/** The global flags before the command, and the rest of argv; undefined for anything else. */
export function parseGlobals(argv: readonly string[]): { g: Omit<FastCall, "run">; rest: string[] } | undefined {
  const g: Omit<FastCall, "run"> = { root: DEFAULT_ROOT, logFormat: "text", debug: false };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("-")) break;
    const eq = a.indexOf("=");
    const name = eq < 0 ? a : a.slice(0, eq);
    if (name === "--debug" && eq < 0) { g.debug = true; continue; }
    if (name === "--systemd-cgroup" && eq < 0) { cgroupDriver.systemd = true; continue; } // create/run: slice:prefix:name cgroupsPath
    if (name !== "--root" && name !== "--log" && name !== "--log-format") return undefined;
    const v = flagValue(argv, i, eq);
    if (v === undefined) return undefined;
    if (eq < 0) i++;
    if (name === "--root") g.root = v;
    else if (name === "--log") g.log = v;
    else if (v === "text" || v === "json") g.logFormat = v;
    else return undefined;
  }
  return { g, rest: argv.slice(i) };
}

/** Run a parsed fast call with src/cli.ts's error handling: one line, exit status 1. */
export async function runFast(f: FastCall): Promise<number> {
  const log = new Logger({ file: f.log, format: f.logFormat, debug: f.debug });
  try {
    const { nativeSys } = await import("./sys/native.js");
    const r = await f.run(makeCtx(f.root, log, false, nativeSys));
    return typeof r === "number" ? r : 0;
  } catch (e) {
    if (e instanceof TsrunError) { log.error(e.message); return 1; }
    const err = e as Error;
    log.error(`internal error: ${String(err?.message ?? err).split("\n")[0]}`);
    if (f.debug && err?.stack) process.stderr.write(err.stack + "\n");
    return 1;
  }
}
