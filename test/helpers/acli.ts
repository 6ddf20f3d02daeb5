// Async tsrun calls (file-backed stdio, like cli.ts), for tests that run many at once.
import { spawn } from "node:child_process";
import { openSync, closeSync, readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TSRUN, commandOf, type CliResult } from "./cli.js";

export interface AsyncResult extends CliResult { signal: NodeJS.Signals | null; timedOut: boolean }

export function tsrunAsync(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string; cwd?: string } = {}): Promise<AsyncResult> {
  const dir = mkdtempSync(join(tmpdir(), "tsrun-aout-"));
  const out = openSync(join(dir, "out"), "w+");
  const err = openSync(join(dir, "err"), "w+");
  return new Promise((resolve, reject) => {
    const c = spawn(TSRUN, args, { stdio: [opts.input !== undefined ? "pipe" : "ignore", out, err], env: opts.env ?? process.env, cwd: opts.cwd });
    if (opts.input !== undefined) c.stdin!.end(opts.input);
    let timedOut = false;
    const t = setTimeout(() => { timedOut = true; c.kill("SIGKILL"); }, opts.timeoutMs ?? 60_000);
    c.on("error", reject);
    c.on("close", (code, signal) => {
      clearTimeout(t);
      const r = {
        status: code ?? 128 + 9, signal, timedOut,
        stdout: readFileSync(join(dir, "out"), "utf8"), stderr: readFileSync(join(dir, "err"), "utf8"), command: commandOf(args),
      };
      closeSync(out); closeSync(err);
      rmSync(dir, { recursive: true, force: true });
      resolve(r);
    });
  });
}

/** Run `fn` over `items` with at most `n` in flight. */
export async function pool<T, R>(items: T[], n: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) { const i = next++; out[i] = await fn(items[i], i); }
  }));
  return out;
}
