/**
 * Finding criu and making sure it can work here, before a container is touched: the binary (the
 * global --criu flag, or `criu` on PATH), its version, and `criu check` (which fails, for one,
 * on kernels whose vDSO layout this criu does not know). Each problem is one line.
 */
import { TsrunError } from "../errors.js";
import { findOnPath, isExecutable } from "../which.js";
import { CRIU_MIN_VERSION, criuErrorLine, parseCriuVersion, versionOk } from "./argv.js";

export interface CriuRun { status: number | null; out: string; error?: string }

/** Run criu with these arguments and our own stdio (restore's --inherit-fd takes fds from it) or pipes. */
export function runCriu(bin: string, args: string[], opts: { inheritStdio?: boolean; extraFds?: number[]; cwd?: string } = {}): CriuRun {
  const cp = process.getBuiltinModule("node:child_process");
  const stdio = opts.inheritStdio ? ["inherit", "inherit", "inherit", ...(opts.extraFds ?? [])] : ["ignore", "pipe", "pipe"];
  const r = cp.spawnSync(bin, args, { stdio: stdio as never, cwd: opts.cwd, maxBuffer: 16 << 20 });
  const out = `${r.stdout?.toString() ?? ""}${r.stderr?.toString() ?? ""}`;
  return { status: r.status, out, error: r.error ? ((r.error as NodeJS.ErrnoException).code ?? r.error.message) : undefined };
}

/** A criu started held: its pid is known before it does anything; `go` lets it run, `kill` ends it. */
export interface HeldCriu { pid: number; go(): void; kill(): void; done: Promise<CriuRun> }

/**
 * Run criu as runCriu does with our stdio, but held first: /bin/sh waits for EOF on the gate pipe
 * (its read end is passed as the fd after extraFds), then execs criu in its place, the gate closed.
 * The pid is criu's from the start, so it can be put into a cgroup (a systemd unit started with
 * it) before criu restores anything there. `gate` is [read end, write end], both close-on-exec.
 */
export function runCriuHeld(bin: string, args: string[], gate: [number, number], opts: { extraFds?: number[] } = {}): HeldCriu {
  const cp = process.getBuiltinModule("node:child_process");
  const fs = process.getBuiltinModule("node:fs");
  const extra = opts.extraFds ?? [];
  const n = 3 + extra.length;
  const script = `read _ <&${n}; exec "$0" "$@" ${n}<&-`;
  let child;
  try {
    child = cp.spawn("/bin/sh", ["-c", script, bin, ...args], { stdio: ["inherit", "inherit", "inherit", ...extra, gate[0]] as never });
  } catch (e) {
    fs.closeSync(gate[1]);
    throw e;
  }
  let open = true;
  const release = () => { if (open) { open = false; fs.closeSync(gate[1]); } };
  const done = new Promise<CriuRun>((res) => {
    child.once("error", (e) => { release(); res({ status: null, out: "", error: (e as NodeJS.ErrnoException).code ?? e.message }); });
    child.once("exit", (code, sig) => { release(); res({ status: code, out: sig ? `criu: killed by ${sig}` : "" }); });
  });
  return {
    pid: child.pid ?? 0,
    go: release,
    kill: () => { try { child.kill("SIGKILL"); } catch { /* gone */ } release(); },
    done,
  };
}

/** The criu binary: an explicit path (--criu) or the first `criu` on PATH. */
export function findCriu(given: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const name = given || "criu";
  const found = name.includes("/") ? (isExecutable(name) ? name : undefined) : findOnPath(name, env.PATH);
  if (found) return found;
  throw new TsrunError(name.includes("/")
    ? `criu \`${name}\`: not found or not executable: checkpoint and restore need criu (apt-get install criu)`
    : "criu: not found on PATH: checkpoint and restore need criu (apt-get install criu)", "ENOENT");
}

/** criu's binary, checked: new enough, and `criu check` passes on this kernel. */
export function usableCriu(given: string | undefined, verb: string): string {
  const bin = findCriu(given);
  const v = runCriu(bin, ["--version"]);
  const ver = parseCriuVersion(v.out);
  if (v.error || !ver) throw new TsrunError(`${verb}: \`${bin} --version\` failed: ${v.error ?? (v.out.trim().split("\n")[0] || `exit status ${v.status}`)}`);
  if (!versionOk(ver)) throw new TsrunError(`${verb}: criu ${ver.join(".")} is too old: ${CRIU_MIN_VERSION.join(".")} or newer is needed`);
  const c = runCriu(bin, ["check"]);
  if (c.status !== 0) {
    throw new TsrunError(`${verb}: criu ${ver.join(".")} cannot work on this kernel: \`criu check\` failed: ${criuErrorLine(c.out) ?? `exit status ${c.status}`}`);
  }
  return bin;
}
