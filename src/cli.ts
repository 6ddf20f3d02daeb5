/**
 * The command line, compatible with runc: global flags before the subcommand, one small module per
 * verb under src/commands/ (a thin adapter over the library, src/lib/), imported only when that verb runs. argv is read by src/argv.ts, or by
 * commander (src/commander.ts) for what that leaves: help, --version, errors.
 * Every failure is one line on stderr (and in --log), exit status 1 (exec: 255, as runc's), no stack trace.
 */
import { Logger } from "./log.js";
import { scanLogFlags } from "./log-flags.js";
import { TsrunError } from "./errors.js";
import type { Runtime } from "./lib/runtime.js";
import { parseArgv } from "./argv.js";
import { mark } from "./profile.js";
import { COMMANDS } from "./flags.js";

type Action = (rt: Runtime, ...args: any[]) => Promise<number | void> | number | void;

/** The module that runs each command of src/flags.ts's COMMANDS, imported only when it runs. */
const LOAD: Record<string, () => Promise<{ default: Action }>> = {
  create: () => import("./commands/create.js"), run: () => import("./commands/run.js"), exec: () => import("./commands/exec.js"),
  start: () => import("./commands/start.js"), state: () => import("./commands/state.js"), kill: () => import("./commands/kill.js"),
  delete: () => import("./commands/delete.js"), pause: () => import("./commands/pause.js"), resume: () => import("./commands/resume.js"),
  ps: () => import("./commands/ps.js"), events: () => import("./commands/events.js"), update: () => import("./commands/update.js"),
  list: () => import("./commands/list.js"), spec: () => import("./commands/spec.js"), features: () => import("./commands/features.js"),
  explain: () => import("./commands/explain.js"), checkpoint: () => import("./commands/checkpoint.js"),
  restore: () => import("./commands/restore.js"),
};

export async function main(argv: string[]): Promise<number> {
  let log = new Logger(scanLogFlags(argv));
  let debug = false;
  let failStatus = 1;
  try {
    const call = parseArgv(argv) ?? await (await import("./commander.js")).parse(argv, (line) => log.error(line));
    if (typeof call === "number") return call;
    const g = call.globals;
    log = new Logger({ file: g.log, format: g.logFormat, debug: !!g.debug });
    debug = !!g.debug;
    failStatus = COMMANDS[call.command].failStatus ?? 1;
    mark("cli: argv parsed");
    const [mod, { nativeSys }, { Runtime }] = await Promise.all([LOAD[call.command](), import("./sys/native.js"), import("./lib/runtime.js")]);
    mark(`cli: ${call.command} loaded`);
    const rt = new Runtime({
      root: g.root, log, criu: g.criu, rootless: g.rootless, sys: nativeSys,
      cgroupDriver: g.systemdCgroup ? "systemd" : "cgroupfs",     // slice:prefix:name cgroupsPath (src/cgroup/systemd-path.ts)
    });
    const r = await mod.default(rt, ...call.args);
    return typeof r === "number" ? r : 0;
  } catch (e) {
    if (e instanceof TsrunError) {
      log.error(e.message);
      return failStatus;
    }
    const err = e as Error;
    log.error(`internal error: ${String(err?.message ?? err).split("\n")[0]}`);
    if (debug && err?.stack) process.stderr.write(err.stack + "\n");
    return failStatus;
  }
}
