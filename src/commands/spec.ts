/** tsrun spec: write runc's default config.json into the bundle, never over an existing one. */
import type { Runtime } from "../lib/index.js";
import { writeDefaultSpec } from "../lib/spec-file.js";

export default function spec(_rt: Runtime, opts: { bundle?: string; rootless?: boolean }): number {
  writeDefaultSpec(opts.bundle, opts);
  return 0;
}
