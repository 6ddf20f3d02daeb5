import type { Ctx } from "../context.js";
import { load, ociState } from "../container.js";
import { writeStdout } from "../out.js";

export default function state(ctx: Ctx, id: string): number {
  const { h, st, status } = load(ctx, id, "none");
  h.close();
  writeStdout(JSON.stringify(ociState(st, status), null, 2) + "\n");
  return 0;
}
