// A terminal for clients that insist on one (`ctr run -t` and `ctr task exec -t` need their
// stdin to be a console): util-linux `script` runs the command line on a fresh pty and copies
// what the terminal shows to stdout. Its exit status is the command's (-e).
import { cmd, type CmdResult } from "./proc.js";

export function inPty(line: string, opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CmdResult> {
  return cmd("script", ["-q", "-e", "-f", "-c", line, "/dev/null"], { timeoutMs: 60_000, ...opts });
}
