// Processes, mounts and cgroups for the e2e tier. Every process the tier starts goes
// through cmd()/background(), so cleanup can end exactly those (by pid) and nothing else.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";

export interface CmdResult { code: number; signal: string | null; stdout: string; stderr: string; ms: number }
export interface CmdOptions {
  env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; cwd?: string;
  /** leave stdin open (write to child.stdin later, e.g. keys typed into a terminal) */
  openStdin?: boolean;
}

const started = new Set<ChildProcess>();

/** The environment clients run with: the test's own, minus what would change their behaviour. */
export function baseEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ["NODE_EXTRA_CA_CERTS", "NODE_OPTIONS", "NODE_TEST_CONTEXT", "CONTAINERS_CONF", "CONTAINERS_STORAGE_CONF", "CONTAINER_HOST"]) delete env[k];
  env.PATH ??= "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  return { ...env, ...extra };
}

export class Background {
  stdout = "";
  stderr = "";
  readonly done: Promise<CmdResult>;
  private readonly t0 = Date.now();
  constructor(readonly child: ChildProcess, timeoutMs: number) {
    child.stdout?.setEncoding("utf8").on("data", (s: string) => { this.stdout += s; });
    child.stderr?.setEncoding("utf8").on("data", (s: string) => { this.stderr += s; });
    this.done = new Promise((resolve) => {
      const timer = setTimeout(() => { this.stderr += `\n[e2e: killed after ${timeoutMs} ms]`; child.kill("SIGKILL"); }, timeoutMs);
      child.on("error", (e) => { this.stderr += String(e); });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        started.delete(child);
        resolve({ code: code ?? 128 + 9, signal, stdout: this.stdout, stderr: this.stderr, ms: Date.now() - this.t0 });
      });
    });
  }
  /** Resolves once `text` has appeared on stdout (or rejects when the process ends first). */
  async waitFor(text: string | RegExp, timeoutMs = 20_000): Promise<void> {
    const match = (): boolean => (typeof text === "string" ? this.stdout.includes(text) : text.test(this.stdout));
    const end = Date.now() + timeoutMs;
    let closed = false;
    void this.done.then(() => { closed = true; });
    while (!match()) {
      if (closed || Date.now() > end) throw new Error(`did not see ${String(text)} on stdout; stdout=${JSON.stringify(this.stdout)} stderr=${JSON.stringify(this.stderr)}`);
      await sleep(50);
    }
  }
}

export function background(file: string, args: string[], opts: CmdOptions = {}): Background {
  const child = spawn(file, args, { env: opts.env ?? baseEnv(), cwd: opts.cwd, stdio: ["pipe", "pipe", "pipe"] });
  started.add(child);
  if (opts.input !== undefined) child.stdin!.end(opts.input);
  else if (!opts.openStdin) child.stdin!.end();
  return new Background(child, opts.timeoutMs ?? 60_000);
}

export function cmd(file: string, args: string[], opts: CmdOptions = {}): Promise<CmdResult> {
  return background(file, args, opts).done;
}

/** SIGKILL every process this tier started that is still running (by pid, never by name). */
export function killStarted(): void {
  for (const c of started) { try { c.kill("SIGKILL"); } catch { /* gone */ } }
  started.clear();
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll until fn() is truthy; returns its value or throws with what was last seen. */
export async function until<T>(what: string, fn: () => Promise<T> | T, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Pids whose command line contains every marker (e.g. a daemon's private socket path). */
export function pidsWith(...markers: string[]): number[] {
  const out: number[] = [];
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      const cl = readFileSync(`/proc/${p}/cmdline`, "utf8");
      if (markers.every((m) => cl.includes(m))) out.push(Number(p));
    } catch { /* gone */ }
  }
  return out;
}

export function alive(pid: number): boolean {
  try { process.kill(pid, 0); } catch { return false; }
  try { return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8")); } catch { return false; }
}

/** Mount points at or below dir, deepest first (so nested ones go before their parents). */
export function mountsUnder(dir: string): string[] {
  const out: string[] = [];
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const mp = line.split(" ")[4];
    if (!mp) continue;
    const path = mp.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (path === dir || path.startsWith(dir + "/")) out.push(path);
  }
  return out.sort((a, b) => b.length - a.length);
}

/** Lazily unmount everything below dir (overlay rootfs, shm, storage bind mounts left by a failed run). */
export function unmountUnder(dir: string): void {
  for (let round = 0; round < 5; round++) {
    const mps = mountsUnder(dir);
    if (mps.length === 0) return;
    for (const mp of mps) { try { execFileSync("umount", ["-l", mp], { stdio: "ignore" }); } catch { /* next round */ } }
  }
}

/** rmdir a cgroup (and its empty children) in every hierarchy; a cgroup still in use stays. */
export function removeCgroup(rel: string): void {
  const base = "/sys/fs/cgroup";
  // pure cgroup v2: one tree; hybrid or v1: one tree per mounted hierarchy (cpu, memory, unified, ...)
  let hierarchies: string[] = [""];
  if (!existsSync(join(base, "cgroup.controllers"))) {
    try { hierarchies = readdirSync(base); } catch { return; }
  }
  const rm = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) rm(join(dir, e.name));
    try { rmdirSync(dir); } catch { /* busy or not ours to remove */ }
  };
  for (const h of hierarchies) rm(join(base, h, rel));
}
