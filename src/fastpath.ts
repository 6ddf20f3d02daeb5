/**
 * The calls containerd and podman make most (create, run, exec, state, start, kill, delete, with only
 * --root/--log/--log-format before them), parsed without loading commander, which costs
 * about a fifth of tsrun's start-up (docs/PERFORMANCE.md). Only these exact forms are
 * taken; anything else (help, other flags, a misplaced option) returns undefined and goes
 * through src/cli.ts, which gives the same results for these forms and the errors for the rest.
 */
import { flagValue, isArg, parseGlobals, type FastCall } from "./fastcore.js";
import { parseShort } from "./fastshort.js";

export { runFast, type FastCall } from "./fastcore.js";

export function parseFast(argv: readonly string[]): FastCall | undefined {
  const p = parseGlobals(argv);
  if (!p) return undefined;
  const { g } = p;
  const [cmd, ...rest] = p.rest;
  switch (cmd) {
    case "create":
    case "run": {
      const opts = parseCreateArgs(rest, cmd === "run");
      if (!opts) return undefined;
      const { id, ...o } = opts;
      return { ...g, args: [id, o], run: async (ctx) => (await (cmd === "run" ? import("./commands/run.js") : import("./commands/create.js"))).default(ctx, id, o) };
    }
    case "exec": {
      // containerd's form: exec [--process F] [--pid-file F] [--console-socket S] [-d] <id>, nothing after the id
      // (commander passes what follows the id through as the command)
      const o: Record<string, string | boolean> = { newPrivs: true, preserveFds: "0" };
      let i = 0;
      for (; i < rest.length - 1; i++) {
        const a = rest[i];
        if (a === "-d" || a === "--detach") { o.detach = true; continue; }
        const eq = a.startsWith("--") ? a.indexOf("=") : -1;
        const key = EXEC_VALUES[eq < 0 ? a : a.slice(0, eq)];
        if (key === undefined) return undefined;
        const v = flagValue(rest, i, eq);
        if (v === undefined) return undefined;
        if (eq < 0) i++;
        o[key] = v;
      }
      const id = rest[i];
      if (i !== rest.length - 1 || !isArg(id)) return undefined;
      return { ...g, args: [id, o], run: async (ctx) => (await import("./commands/exec.js")).default(ctx, id, [], o) };
    }
    default:
      return parseShort(g, cmd, rest);
  }
}

// create's and run's flags as src/cli.ts declares them, giving the same option object that
// commander would (its defaults included). Value flags: --flag v or --flag=v (-b v for
// --bundle); a value that starts with "-", a short flag cluster, "--" or anything unknown
// returns undefined (commander decides).
const CREATE_VALUES: Record<string, string> = { "-b": "bundle", "--bundle": "bundle", "--pid-file": "pidFile", "--console-socket": "consoleSocket", "--preserve-fds": "preserveFds" };
const CREATE_BOOLS: Record<string, [string, boolean]> = { "--no-pivot": ["pivot", false], "--no-new-keyring": ["newKeyring", false] };
const EXEC_VALUES: Record<string, string> = { "-p": "process", "--process": "process", "--pid-file": "pidFile", "--console-socket": "consoleSocket" };
const RUN_BOOLS: Record<string, [string, boolean]> = { "-d": ["detach", true], "--detach": ["detach", true], "--keep": ["keep", true], "--no-subreaper": ["subreaper", false], "-t": ["tty", true], "--tty": ["tty", true] };

function parseCreateArgs(args: readonly string[], isRun: boolean): ({ id: string } & Record<string, string | boolean>) | undefined {
  const o: Record<string, string | boolean> = { bundle: ".", pivot: true, newKeyring: true, preserveFds: "0", ...(isRun ? { subreaper: true } : {}) };
  let id: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("-")) {
      if (id !== undefined || a === "") return undefined;
      id = a;
      continue;
    }
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    const name = eq < 0 ? a : a.slice(0, eq);
    const key = CREATE_VALUES[name];
    if (key !== undefined) {
      const v = flagValue(args, i, eq);
      if (v === undefined) return undefined;
      if (eq < 0) i++;
      o[key] = v;
      continue;
    }
    const b = eq < 0 ? (CREATE_BOOLS[a] ?? (isRun ? RUN_BOOLS[a] : undefined)) : undefined;
    if (b === undefined) return undefined;
    o[b[0]] = b[1];
  }
  return id === undefined ? undefined : { ...o, id };
}

