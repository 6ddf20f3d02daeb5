import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { openSync, closeSync, readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./rootfs.js";

export const TSRUN = join(repoRoot, "bin", "tsrun");

export interface CliResult { status: number; stdout: string; stderr: string; /** the subcommand run, when known */ command?: string }

const GLOBAL_WITH_VALUE = new Set(["--root", "--log", "--log-format", "--criu", "--rootless"]);
/** The subcommand of a tsrun argv: the first word that is not a global flag or its value. */
export function commandOf(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (!args[i].startsWith("-")) return args[i];
    if (GLOBAL_WITH_VALUE.has(args[i])) i++;
  }
  return undefined;
}

/** The exit status of a failed command, as runc's: exec 255 (its process's own status passes through), else 1. */
export const failStatus = (command?: string): number => command === "exec" ? 255 : 1;

/**
 * Run bin/tsrun with args; never throws on a non-zero exit. stdout and stderr go to files,
 * not pipes: a created container's init inherits them (as it does under containerd), and
 * a pipe would stay open until the container exits.
 */
export function tsrun(args: string[], opts: SpawnSyncOptions = {}): CliResult {
  const dir = mkdtempSync(join(tmpdir(), "tsrun-out-"));
  const out = openSync(join(dir, "out"), "w+");
  const err = openSync(join(dir, "err"), "w+");
  try {
    const r = spawnSync(TSRUN, args, { timeout: 60_000, stdio: [opts.input !== undefined ? "pipe" : "ignore", out, err], ...opts });
    return {
      status: r.status ?? 128 + 9,
      stdout: readFileSync(join(dir, "out"), "utf8"),
      stderr: readFileSync(join(dir, "err"), "utf8"),
      command: commandOf(args),
    };
  } finally {
    closeSync(out);
    closeSync(err);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Assert-friendly: the failure is exactly one line with no stack trace, with the command's failure status (a usage
 * error, which commander reports before the command runs, is 1 for every command, as runc's). */
export function oneLineError(r: CliResult, status = failStatus(r.command)): boolean {
  const lines = r.stderr.trimEnd().split("\n");
  return r.status === status && lines.length === 1 && lines[0].length > 0 && !/\n\s+at /.test(r.stderr) && !/Error:/.test(r.stderr);
}
