/**
 * Entry of the small bundle dist/bundle/short.cjs (scripts/bundle.mjs): `state`, `start`,
 * `kill` and `delete` in the fast path's forms, without loading the rest of the CLI (the
 * full bundle is ~4× larger; loading it is most of what these commands cost beyond node's
 * own start-up). Same parsing and error handling as src/fastpath.ts; any other argv returns
 * undefined and dist/bundle/launch.cjs loads the full CLI.
 */
import { parseGlobals, runFast } from "./fastcore.js";
import { parseShort } from "./fastshort.js";

export function tryShort(argv: readonly string[]): Promise<number> | undefined {
  const p = parseGlobals(argv);
  const f = p && parseShort(p.g, p.rest[0], p.rest.slice(1));
  return f ? runFast(f) : undefined;
}
