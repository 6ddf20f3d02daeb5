import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { openSync, closeSync, readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./rootfs.js";

export const TSRUN = join(repoRoot, "bin", "tsrun");

export interface CliResult { status: number; stdout: string; stderr: string }

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
    };
  } finally {
    closeSync(out);
    closeSync(err);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Assert-friendly: the failure is exactly one line with no stack trace. */
export function oneLineError(r: CliResult): boolean {
  const lines = r.stderr.trimEnd().split("\n");
  return r.status === 1 && lines.length === 1 && lines[0].length > 0 && !/\n\s+at /.test(r.stderr) && !/Error:/.test(r.stderr);
}
