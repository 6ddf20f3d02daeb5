import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./rootfs.js";

export const TSRUN = join(repoRoot, "bin", "tsrun");

export interface CliResult { status: number; stdout: string; stderr: string }

/** Run bin/tsrun with args; never throws on a non-zero exit. */
export function tsrun(args: string[], opts: SpawnSyncOptions = {}): CliResult {
  const r = spawnSync(TSRUN, args, { encoding: "utf8", timeout: 60_000, ...opts });
  return { status: r.status ?? 128 + 9, stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? "") };
}

/** Assert-friendly: the failure is exactly one line with no stack trace. */
export function oneLineError(r: CliResult): boolean {
  const lines = r.stderr.trimEnd().split("\n");
  return r.status === 1 && lines.length === 1 && lines[0].length > 0 && !/\n\s+at /.test(r.stderr) && !/Error:/.test(r.stderr);
}
