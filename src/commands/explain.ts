/** tsrun explain [--bundle DIR] [--format text|json]: what create would do with a bundle; creates nothing. */
import type { Runtime } from "../lib/index.js";
import { explainText } from "../lib/explain-text.js";
import { writeStdout } from "../out.js";

export default async function explain(rt: Runtime, opts: { bundle?: string; format?: string }): Promise<number> {
  const data = await rt.explain(opts.bundle);
  writeStdout(opts.format === "json" ? JSON.stringify(data, null, 2) + "\n" : explainText(data));
  return 0;
}
