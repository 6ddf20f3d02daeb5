/**
 * The short lifecycle commands of the fast path (state, start, kill, delete, in runc's
 * forms), apart from create/run/exec so that the small bundle dist/bundle/short.cjs
 * (src/main-short.ts) holds only these commands. src/fastpath.ts uses it for the rest.
 */
import { isArg, type FastCall } from "./fastcore.js";

export function parseShort(g: Omit<FastCall, "run">, cmd: string | undefined, rest: string[]): FastCall | undefined {
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
