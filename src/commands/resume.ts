/** tsrun resume ID: thaw a paused container. */
import type { Runtime } from "../lib/index.js";

export default async function resume(rt: Runtime, id: string): Promise<number> {
  await rt.container(id).resume();
  return 0;
}
