/** tsrun pause ID: freeze every process of a running (or created) container, as runc does. */
import type { Runtime } from "../lib/index.js";

export default async function pause(rt: Runtime, id: string): Promise<number> {
  await rt.container(id).pause();
  return 0;
}
