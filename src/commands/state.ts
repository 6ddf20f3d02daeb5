/** tsrun state ID: the OCI state object, indented as runc prints it. */
import type { Runtime } from "../lib/index.js";
import { writeStdout } from "../out.js";

export default async function state(rt: Runtime, id: string): Promise<number> {
  writeStdout(JSON.stringify(await rt.container(id).state(), null, 2) + "\n");
  return 0;
}
