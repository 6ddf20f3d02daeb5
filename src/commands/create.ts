/** tsrun create ID: a container waiting for start (the library's Runtime.create). */
import type { Runtime, RuntimeCreateOptions } from "../lib/index.js";

export default async function create(rt: Runtime, id: string, opts: RuntimeCreateOptions): Promise<number> {
  await rt.create(id, { ...opts, subreaper: false });
  return 0;
}
