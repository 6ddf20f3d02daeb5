/**
 * What run and exec share when tsrun stays in the foreground: signal forwarding,
 * waiting for the process (as a subreaper), the console (a console socket, or a pty
 * that tsrun proxies to its own stdio), and LISTEN_FDS for socket activation.
 */
import * as fs from "node:fs";
import { TsrunError } from "../errors.js";
import type { Sys } from "../sys/types.js";
import { exitCodeOf } from "../sys/types.js";
import type { Process } from "../spec/schema.js";
import { connectConsole, socketpair, copyWinsize, rawOn, rawOff, proxy, ourWinsize } from "../sys/pty.js";

const { constants } = process.getBuiltinModule("node:os"); // not a static import: Bun hoists those to start-up (PERFORMANCE.md, round 4)
const NOT_FORWARDED = new Set([
  "SIGKILL", "SIGSTOP", "SIGCHLD", "SIGURG", "SIGWINCH", "SIGPROF", "SIGVTALRM", "SIGSEGV", "SIGBUS", "SIGILL",
  "SIGFPE", "SIGTRAP", "SIGABRT", "SIGIOT", "SIGSYS", "SIGPOLL", "SIGIO", "SIGUNUSED", "SIGSTKFLT", "SIGPWR",
  "SIGLOST", "SIGINFO",
]);
export const FORWARD = Object.keys(constants.signals).filter((s) => !NOT_FORWARDED.has(s)) as NodeJS.Signals[];

/**
 * Forward every catchable signal. Start it before the process can run (so that a
 * signal that arrives early is not lost, nor kills tsrun): signals are queued until
 * attach(pid), then delivered in order.
 */
export function forwardSignals(sys: Sys): { attach: (pid: number) => void; stop: () => void } {
  let pidfd = -1;
  const queued: number[] = [];
  const send = (n: number): void => { try { sys.pidfdSendSignal(pidfd, n); } catch { /* exited */ } };
  const handlers = FORWARD.map((s) => {
    const fn = (): void => { if (pidfd >= 0) send(constants.signals[s]); else queued.push(constants.signals[s]); };
    process.on(s, fn);
    return [s, fn] as const;
  });
  return {
    attach(pid: number): void {
      pidfd = sys.pidfdOpen(pid);
      for (const n of queued.splice(0)) send(n);
    },
    stop(): void {
      for (const [s, fn] of handlers) process.off(s, fn);
      if (pidfd >= 0) { try { fs.closeSync(pidfd); } catch { /* closed */ } }
    },
  };
}

/** Reap everything reparented to us; resolve with pid's exit code (128+signal when killed). */
export async function waitExit(sys: Sys, pid: number): Promise<number> {
  for (;;) {
    const w = await sys.waitpid(-1);
    if (w.pid === pid) return exitCodeOf(w.status);
  }
}

const DETACH_TTY = "cannot allocate tty if tsrun will detach without setting console socket";

/** The two ends of the console: `child` goes to the executor, `ours` (-1 unless tsrun proxies) receives the master. */
export interface ConsoleEnds { child: number; ours: number }

/** When tsrun proxies the pty, `proc` gets our terminal's size (unless it has one), so it is right from the start. */
export function openConsole(proc: Process | undefined, socketPath: string | undefined, detach: boolean): ConsoleEnds {
  if (!proc?.terminal) return { child: -1, ours: -1 };
  if (socketPath) return { child: connectConsole(socketPath), ours: -1 };
  if (detach) throw new TsrunError(DETACH_TTY);
  proc.consoleSize ??= ourWinsize();
  const [ours, child] = socketpair();
  return { child, ours };
}

export function closeFd(fd: number): void {
  if (fd >= 0) { try { fs.closeSync(fd); } catch { /* closed */ } }
}

/**
 * Proxy the pty master to our stdio: raw mode when stdin is a tty, its window size
 * now and on SIGWINCH, stdin's EOF as ^D. The promise settles when the slave closes.
 */
export function ptySession(master: number): { done: Promise<void>; stop: () => void } {
  const raw = rawOn(0);
  if (!copyWinsize(0, master)) copyWinsize(1, master);
  const winch = (): void => { if (!copyWinsize(0, master)) copyWinsize(1, master); };
  process.on("SIGWINCH", winch);
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    process.off("SIGWINCH", winch);
    if (raw) rawOff();
  };
  const done = proxy(master, 0, 1).then(() => stop());
  return { done, stop };
}

/**
 * After the exit: give the proxy a moment to copy the last output, then stop regardless.
 * A process left behind still holds the slave, and the proxy thread would keep the caller
 * alive: `stuck` is called then (the command line exits; the library never does).
 */
export async function endSession(s: { done: Promise<void>; stop: () => void }, stuck?: () => void): Promise<void> {
  const finished = await Promise.race([s.done.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 2000).unref())]);
  s.stop();
  if (!finished) stuck?.();
}

/**
 * Socket activation (runc's behaviour): when LISTEN_PID is our pid, the LISTEN_FDS fds
 * (3 onwards) go to the container before the --preserve-fds ones, and the process sees
 * LISTEN_FDS=n and LISTEN_PID=1.
 */
export function listenFds(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.LISTEN_FDS ?? "");
  if (!env.LISTEN_FDS || !/^\d+$/.test(env.LISTEN_FDS) || Number(env.LISTEN_PID) !== process.pid) return 0;
  return n;
}
