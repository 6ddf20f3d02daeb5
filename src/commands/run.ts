/**
 * tsrun run: create + start + wait + delete in the foreground, exit status passed through
 * (Runtime.run); -d detaches after start.
 */
import type { Runtime, RunOptions } from "../lib/index.js";

/** A process left behind holds the terminal: the pty proxy would keep tsrun alive, so it exits. */
const stuck = (): void => { setTimeout(() => process.exit(), 50).unref(); };

export default function run(rt: Runtime, id: string, opts: RunOptions): Promise<number> {
  return rt.run(id, { ...opts, stuck });
}
