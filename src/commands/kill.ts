/** tsrun kill ID [SIG] [--all]: a signal to init, or to every process in the container. */
import type { Runtime } from "../lib/index.js";

export default async function kill(rt: Runtime, id: string, signal: string | undefined, opts: { all?: boolean }): Promise<number> {
  await rt.container(id).kill(signal ?? "SIGTERM", opts);
  return 0;
}
