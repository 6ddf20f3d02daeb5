/**
 * The parser every call goes through, built from src/flags.ts. It gives exactly what commander
 * gives for the same argv (the global options, and the arguments plus option object, defaults
 * included, that the command module gets), for the forms runc's clients use: `--flag v`,
 * `--flag=v`, `-f v`, boolean and `--no-` flags, options after arguments, repeatable flags.
 * Anything else (help, --version, an unknown flag, a short flag cluster, `--`, a value that
 * starts with "-", a missing or extra argument, a bad choice) returns undefined, and commander
 * (src/commander.ts, from the same tables) prints the help, the version or the error. Why not
 * commander for everything: loading it costs ~9 ms per call (docs/PERFORMANCE.md, round 3).
 */
import { COMMANDS, COMMAND_FLAGS, GLOBAL_FLAGS, optionKey, ARG_HELP, type Flag } from "./flags.js";

export type Options = Record<string, string | boolean | string[]>;

/** A parsed command line: the global options, the command, and what its module's default export gets after ctx. */
export interface Call {
  globals: { root?: string; log?: string; logFormat: "text" | "json"; debug?: boolean; systemdCgroup?: boolean; rootless: string | boolean; criu?: string };
  command: string;
  args: unknown[];
}

function defaults(flags: readonly Flag[]): Options {
  const o: Options = {};
  for (const f of flags) {
    if (f.default !== undefined) o[optionKey(f)] = f.default;
    else if (!f.value && f.long.startsWith("--no-")) o[optionKey(f)] = true;
  }
  return o;
}

/**
 * Reads the flag at argv[i] into `o`; returns how many more argv entries it used (0 or 1),
 * or -1 for anything this parser leaves to commander.
 */
function flag(flags: readonly Flag[], argv: readonly string[], i: number, o: Options): number {
  const a = argv[i];
  const eq = a.startsWith("--") ? a.indexOf("=") : -1;
  const name = eq < 0 ? a : a.slice(0, eq);
  const f = flags.find((x) => x.long === name || x.short === name);
  if (!f) return -1;
  const key = optionKey(f);
  if (!f.value) {
    if (eq >= 0) return -1;
    o[key] = !f.long.startsWith("--no-");
    return 0;
  }
  const v = eq >= 0 ? a.slice(eq + 1) : argv[i + 1];
  if (v === undefined || (eq < 0 && v.startsWith("-")) || (f.choices && !f.choices.includes(v))) return -1;
  o[key] = f.many ? [...((o[key] as string[] | undefined) ?? []), v] : v;
  return eq >= 0 ? 0 : 1;
}

const isFlag = (a: string): boolean => a.length > 1 && a.startsWith("-");

export function parseArgv(argv: readonly string[]): Call | undefined {
  const globals = defaults(GLOBAL_FLAGS);
  let i = 0;
  for (; i < argv.length && isFlag(argv[i]); i++) {
    const used = flag(GLOBAL_FLAGS, argv, i, globals);
    if (used < 0) return undefined;
    i += used;
  }
  const command = argv[i++];
  const spec = command === undefined ? undefined : Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!spec) return undefined;
  const flags = COMMAND_FLAGS[command] ?? [];
  const opts = defaults(flags);
  const operands: string[] = [];
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (spec.passThrough && operands.length) { operands.push(a); continue; }
    if (a === "--" || a === "-" || a === "") return undefined;
    if (!isFlag(a)) { operands.push(a); continue; }
    const used = flag(flags, argv, i, opts);
    if (used < 0) return undefined;
    i += used;
  }
  const args: unknown[] = [];
  for (const [n, a] of spec.args.entries()) {
    if (a.endsWith("...]")) { args.push(operands.slice(n)); continue; }
    const v = operands[n] ?? (a.startsWith("[") ? ARG_HELP[a]?.[1] : undefined);
    if (v === undefined && a.startsWith("<")) return undefined;
    args.push(v);
  }
  if (spec.passThrough && operands.includes("--")) return undefined;
  if (!spec.args.some((a) => a.endsWith("...]")) && operands.length > spec.args.length) return undefined;
  return { globals: globals as Call["globals"], command, args: [...args, opts] };
}
