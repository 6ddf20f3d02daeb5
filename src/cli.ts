/**
 * The command line, compatible with runc: global flags before the subcommand,
 * one small module per verb under src/commands/, imported only when that verb runs.
 * Every failure is one line on stderr (and in --log), exit status 1, no stack trace.
 */
import { Command, CommanderError, Option } from "commander";
import { Logger } from "./log.js";
import { scanLogFlags, oneLine } from "./log-flags.js";
import { TsrunError } from "./errors.js";
import { makeCtx, type Ctx } from "./context.js";
import { DEFAULT_ROOT } from "./state/store.js";
import { VERSION, SPEC_VERSION } from "./version.js";
import { cgroupDriver } from "./cgroup/systemd-path.js";

type Action = (ctx: Ctx, ...args: any[]) => Promise<number | void> | number | void;

function versionText(): string {
  return `tsrun version ${VERSION}\ncommit: ${process.env.TSRUN_COMMIT ?? "unknown"}\nspec: ${SPEC_VERSION}\nnode: ${process.version}`;
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command("tsrun");
  let log = new Logger(scanLogFlags(argv));
  let exitCode = 0;
  const run = (load: () => Promise<{ default: Action }>) => async (...args: any[]) => {
    const g = program.opts();
    if (g.systemdCgroup) cgroupDriver.systemd = true;  // slice:prefix:name cgroupsPath (src/cgroup/systemd-path.ts)
    const [mod, { nativeSys }] = await Promise.all([load(), import("./sys/native.js")]);
    const ctx = makeCtx(g.root, log, g.rootless === true || g.rootless === "true", nativeSys);
    const cmdArgs = args.slice(0, -1); // drop the Command object commander appends
    const r = await mod.default(ctx, ...cmdArgs);
    exitCode = typeof r === "number" ? r : 0;
  };

  program
    .name("tsrun")
    .description("OCI container runtime (runc compatible), TypeScript with a C executor")
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: (s) => log.error(oneLine(s)) })
    .option("--root <dir>", "root directory for container state", DEFAULT_ROOT)
    .option("--log <file>", "log file for errors (containerd reads it)")
    .addOption(new Option("--log-format <format>", "log format").choices(["text", "json"]).default("text"))
    .option("--debug", "enable debug logging")
    .option("--systemd-cgroup", "cgroupsPath is slice:prefix:name (made where systemd puts that unit)")
    .option("--rootless <value>", "ignored: tsrun decides from the euid", "auto")
    .option("--criu <path>", "ignored: checkpoint/restore is not supported")
    .version(versionText(), "-v, --version", "print the version")
    .hook("preAction", () => {
      const g = program.opts();
      log = new Logger({ file: g.log, format: g.logFormat, debug: !!g.debug });
    });

  const createOpts = (c: Command): Command => c
    .option("-b, --bundle <dir>", "path to the bundle directory", ".")
    .option("--pid-file <file>", "file to write the init process id to")
    .option("--console-socket <path>", "unix socket that receives the pty master")
    .option("--no-pivot", "do not use pivot_root (MS_MOVE + chroot instead)")
    .option("--no-new-keyring", "do not create a new session keyring")
    .option("--preserve-fds <n>", "pass N extra fds (3..3+N-1) to the container", "0");

  createOpts(program.command("create").description("create a container").argument("<container-id>"))
    .action(run(() => import("./commands/create.js")));
  createOpts(program.command("run").description("create and run a container").argument("<container-id>"))
    .option("-d, --detach", "detach from the container's process")
    .option("--keep", "keep the container after it exits")
    .option("--no-subreaper", "do not become a subreaper")
    .option("-t, --tty", "allocate a pty (sets process.terminal)")
    .action(run(() => import("./commands/run.js")));
  const many = (v: string, prev: string[] = []): string[] => [...prev, v];
  program.command("exec").description("run a process in a running container")
    .argument("<container-id>").argument("[command...]", "command and arguments (or --process)")
    .passThroughOptions()
    .option("--console-socket <path>", "unix socket that receives the pty master")
    .option("--cwd <dir>", "working directory in the container")
    .option("-e, --env <VAR=value>", "an environment variable (repeatable)", many)
    .option("-t, --tty", "allocate a pseudo-TTY")
    .option("-u, --user <uid[:gid]>", "user and group ids")
    .option("-g, --additional-gids <gid>", "an additional group (repeatable)", many)
    .option("-p, --process <file>", "process.json: a runtime-spec process object")
    .option("-d, --detach", "detach from the process")
    .option("--pid-file <file>", "file to write the process id to")
    .option("--process-label <label>", "selinux label (accepted, not applied)")
    .option("--apparmor <profile>", "apparmor profile (accepted, not applied)")
    .option("--no-new-privs", "set no_new_privs")
    .option("-c, --cap <cap>", "add a capability (repeatable)", many)
    .option("--preserve-fds <n>", "pass N extra fds (3..3+N-1) to the process", "0")
    .option("--cgroup <[controller:]path>", "run in this sub-cgroup of the container (repeatable)", many)
    .option("--ignore-paused", "exec even if the container is paused")
    .action(run(() => import("./commands/exec.js")));
  program.command("start").description("start a created container").argument("<container-id>")
    .action(run(() => import("./commands/start.js")));
  program.command("state").description("print the state of a container").argument("<container-id>")
    .action(run(() => import("./commands/state.js")));
  program.command("kill").description("send a signal to the container's init").argument("<container-id>").argument("[signal]", "signal", "SIGTERM")
    .option("-a, --all", "send to every process in the container")
    .action(run(() => import("./commands/kill.js")));
  program.command("delete").description("delete a container").argument("<container-id>")
    .option("-f, --force", "kill the container first if it is running")
    .action(run(() => import("./commands/delete.js")));
  program.command("pause").description("suspend all processes of a container").argument("<container-id>")
    .action(run(() => import("./commands/pause.js")));
  program.command("resume").description("resume all processes of a paused container").argument("<container-id>")
    .action(run(() => import("./commands/resume.js")));
  program.command("ps").description("list the processes of a container").argument("<container-id>").argument("[ps-args...]", "arguments for ps (default -ef)")
    .addOption(new Option("-f, --format <format>", "table or json").choices(["table", "json"]).default("table"))
    .passThroughOptions()
    .action(run(() => import("./commands/ps.js")));
  program.command("events").description("print container events and resource statistics").argument("<container-id>")
    .option("--interval <duration>", "stats collection interval", "5s")
    .option("--stats", "print the container's statistics once and exit")
    .action(run(() => import("./commands/events.js")));
  const upd = program.command("update").description("update a container's resource limits").argument("<container-id>")
    .option("-r, --resources <file>", "a JSON file of resources to update, or - for stdin (other flags are then ignored)");
  for (const [flag, help] of [
    ["blkio-weight", "block IO weight, 10..1000"], ["cpu-period", "CPU CFS period (µs)"], ["cpu-quota", "CPU CFS quota (µs)"],
    ["cpu-burst", "CPU CFS burst (µs)"], ["cpu-share", "CPU shares"], ["cpu-rt-period", "CPU realtime period (µs)"],
    ["cpu-rt-runtime", "CPU realtime runtime (µs)"], ["cpuset-cpus", "CPUs to use"], ["cpuset-mems", "memory nodes to use"],
    ["cpu-idle", "1: SCHED_IDLE for the cgroup"], ["memory", "memory limit (bytes, or 32m, 1g; -1 unlimited)"],
    ["memory-reservation", "memory soft limit"], ["memory-swap", "memory+swap limit; -1 unlimited"],
    ["pids-limit", "maximum number of pids"], ["kernel-memory", "ignored (obsolete)"], ["kernel-memory-tcp", "ignored (obsolete)"],
    ["l3-cache-schema", "Intel RDT L3 schema (not supported)"], ["mem-bw-schema", "Intel RDT MBA schema (not supported)"],
  ]) upd.option(`--${flag} <value>`, help);
  upd.addOption(new Option("--cpu-shares <value>", "alias of --cpu-share").hideHelp())
    .action(run(() => import("./commands/update.js")));
  program.command("list").description("list containers")
    .addOption(new Option("-f, --format <format>", "table or json").choices(["table", "json"]).default("table"))
    .option("-q, --quiet", "print only ids")
    .action(run(() => import("./commands/list.js")));
  program.command("spec").description("write a default config.json")
    .option("-b, --bundle <dir>", "bundle directory", ".")
    .option("--rootless", "a spec for a rootless container")
    .action(run(() => import("./commands/spec.js")));
  program.command("features").description("print the features tsrun supports, as JSON")
    .action(run(() => import("./commands/features.js")));

  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return 0;
      return 1;
    }
    if (e instanceof TsrunError) {
      log.error(e.message);
      return 1;
    }
    const err = e as Error;
    log.error(`internal error: ${String(err?.message ?? err).split("\n")[0]}`);
    if (program.opts().debug && err?.stack) process.stderr.write(err.stack + "\n");
    return 1;
  }
}
