/**
 * The calls containerd and podman make most (state, start, kill, delete, with only
 * --root/--log/--log-format before them), parsed without loading commander, which costs
 * about a fifth of tsrun's start-up (docs/PERFORMANCE.md). Only these exact forms are
 * taken; anything else (help, other flags, a misplaced option) returns undefined and goes
 * through src/cli.ts, which gives the same results for these forms and the errors for the rest.
 */
import { Logger } from "./log.js";
import { TsrunError } from "./errors.js";
import { makeCtx, type Ctx } from "./context.js";
import { DEFAULT_ROOT } from "./state/store.js";

export interface FastCall {
  root: string;
  log?: string;
  logFormat: "text" | "json";
  debug: boolean;
  run: (ctx: Ctx) => Promise<number | void> | number | void;
}

const isArg = (s: string | undefined): s is string => s !== undefined && s !== "" && !s.startsWith("-");

export function parseFast(argv: readonly string[]): FastCall | undefined {
  const g: Omit<FastCall, "run"> = { root: DEFAULT_ROOT, logFormat: "text", debug: false };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("-")) break;
    const eq = a.indexOf("=");
    const name = eq < 0 ? a : a.slice(0, eq);
    if (name === "--debug" && eq < 0) { g.debug = true; continue; }
    if (name === "--systemd-cgroup" && eq < 0) continue; // these commands use the cgroup paths in state.json
    if (name !== "--root" && name !== "--log" && name !== "--log-format") return undefined;
    const v = eq < 0 ? argv[++i] : a.slice(eq + 1);
    if (v === undefined || (eq < 0 && v.startsWith("-"))) return undefined;
    if (name === "--root") g.root = v;
    else if (name === "--log") g.log = v;
    else if (v === "text" || v === "json") g.logFormat = v;
    else return undefined;
  }
  const [cmd, ...rest] = argv.slice(i);
  const flag = (short: string, long: string): boolean => {
    if (rest[0] === short || rest[0] === long) { rest.shift(); return true; }
    return false;
  };
  switch (cmd) {
    case "state":
    case "start":
      if (rest.length !== 1 || !isArg(rest[0])) return undefined;
      return { ...g, run: async (ctx) => (await (cmd === "state" ? import("./commands/state.js") : import("./commands/start.js"))).default(ctx, rest[0]) };
    case "delete": {
      const force = flag("-f", "--force");
      if (rest.length !== 1 || !isArg(rest[0])) return undefined;
      return { ...g, run: async (ctx) => (await import("./commands/delete.js")).default(ctx, rest[0], { force }) };
    }
    case "kill": {
      const all = flag("-a", "--all");
      if (rest.length < 1 || rest.length > 2 || !rest.every(isArg)) return undefined;
      return { ...g, run: async (ctx) => (await import("./commands/kill.js")).default(ctx, rest[0], rest[1] ?? "SIGTERM", { all }) };
    }
    default:
      return undefined;
  }
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
