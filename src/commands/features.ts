/** tsrun features: runc's JSON shape, derived from the tables the code itself uses. */
import type { Runtime } from "../lib/index.js";
import { features } from "../lib/features.js";

export default function featuresCmd(_rt: Runtime): number {
  process.stdout.write(JSON.stringify(features(), null, 2) + "\n");
  return 0;
}
