/**
 * tsrun exec: run one more process in a running container (Container.exec). Without --detach
 * tsrun waits and exits with the process's status; with it, it writes --pid-file and exits.
 */
import type { Runtime, ExecOptions } from "../lib/index.js";
import { execProcess, type ExecFlags } from "../lib/input.js";

/** A process left behind holds the terminal: the pty proxy would keep tsrun alive, so it exits. */
const stuck = (): void => { setTimeout(() => process.exit(), 50).unref(); };

export default async function exec(rt: Runtime, id: string, args: string[], o: ExecFlags & ExecOptions): Promise<number> {
  const r = await rt.container(id).exec((base) => execProcess(base, args, o), { ...o, stuck });
  return r.code;
}
