// A terminal for clients that insist on one (`ctr run -t` and `ctr task exec -t` need their
// stdin to be a console): util-linux `script` runs the command line on a fresh pty and copies
// what the terminal shows to stdout. Its exit status is the command's (-e).
import { background, cmd, type Background, type CmdResult } from "./proc.js";

export function inPty(line: string, opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CmdResult> {
  return cmd("script", ["-q", "-e", "-f", "-c", line, "/dev/null"], { timeoutMs: 60_000, ...opts });
}

/** The same, in the background with stdin left open: `type(text)` is what a user types. */
export function inPtyBackground(line: string, opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Background & { type(text: string): void } {
  const bg = background("script", ["-q", "-e", "-f", "-c", line, "/dev/null"], { timeoutMs: 60_000, ...opts, openStdin: true });
  return Object.assign(bg, { type: (text: string) => { bg.child.stdin!.write(text); } });
}
