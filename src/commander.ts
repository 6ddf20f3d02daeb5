/**
 * commander, built from the tables in src/flags.ts: what src/argv.ts leaves to it (help,
 * --version, every error, any unusual form) gets commander's handling and wording. Loaded only then.
 */
import { Command, CommanderError, Option } from "commander";
import { oneLine } from "./log-flags.js";
import { ARG_HELP, COMMANDS, COMMAND_FLAGS, GLOBAL_FLAGS, VERSION_FLAG, type Flag } from "./flags.js";
import { VERSION, SPEC_VERSION_MAX, COMMIT } from "./version.js";
import type { Call } from "./argv.js";

const many = (v: string, prev: string[] = []): string[] => [...prev, v];

function option(f: Flag): Option {
  const o = new Option(`${f.short ? `${f.short}, ` : ""}${f.long}${f.value ? ` <${f.value}>` : ""}`, f.help);
  if (f.choices) o.choices(f.choices);
  if (f.default !== undefined) o.default(f.default);
  if (f.many) o.argParser(many);
  if (f.hidden) o.hideHelp();
  return o;
}

function versionText(): string {
  const engine = process.versions.bun ? `bun: ${process.versions.bun}` : `node: ${process.version}`;
  return `tsrun version ${VERSION}\ncommit: ${COMMIT}\nspec: ${SPEC_VERSION_MAX}\n${engine}`;
}

/**
 * Parse argv with commander: the call to run, or the exit status once commander has printed the
 * help or the version (0) or reported an error through `error` as one line (1).
 */
export async function parse(argv: string[], error: (line: string) => void): Promise<Call | number> {
  const program = new Command("tsrun");
  let call: Call | undefined;
  program
    .description("OCI container runtime (runc compatible), TypeScript with a C executor")
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: (s) => error(oneLine(s)) });
  for (const f of GLOBAL_FLAGS) program.addOption(option(f));
  program.version(versionText(), `${VERSION_FLAG.short}, ${VERSION_FLAG.long}`, VERSION_FLAG.help);
  for (const [name, spec] of Object.entries(COMMANDS)) {
    const c = program.command(name).description(spec.description);
    for (const a of spec.args) c.argument(a, ...(ARG_HELP[a] ?? []));
    if (spec.passThrough) c.passThroughOptions();
    for (const f of COMMAND_FLAGS[name] ?? []) c.addOption(option(f));
    c.action((...args: unknown[]) => { call = { globals: program.opts() as Call["globals"], command: name, args: args.slice(0, -1) }; });
  }
  if (argv.length === 0) { program.outputHelp(); return 0; }   // as runc: the help on stdout, status 0
  let cmd = commandWord(argv);
  if (cmd === "help") { const t = argv[argv.indexOf("help") + 1]; cmd = t?.startsWith("-") ? undefined : t; }   // `help TOPIC`: a command too
  if (cmd !== undefined && !(cmd in COMMANDS)) {                // even with -h: runc's words, not the global help
    error(`unknown command '${cmd}': No help topic for '${cmd}'`);
    return 1;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    return e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help" ? 0 : 1;
  }
  return call ?? 0;
}

/** The first word that is not a global flag or a global flag's value: the command, if any. */
function commandWord(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") return argv[i + 1];
    if (!a.startsWith("-")) return a;
    const f = GLOBAL_FLAGS.find((g) => g.long === a || g.short === a);
    if (f?.value) i++;                                            // its value follows (--root DIR); --root=DIR is one word
  }
  return undefined;
}
