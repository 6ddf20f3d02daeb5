/**
 * Entry of the small `state` bundle (dist/bundle/state.cjs, scripts/bundle.mjs): `tsrun
 * [--root/--log/--log-format/--debug] state <id>` without loading the rest of the CLI,
 * which is most of what the full bundle costs at start-up for the command containerd and
 * podman poll most. Same parsing and error handling as src/fastpath.ts; any other argv
 * returns undefined and dist/bundle/launch.cjs loads the full CLI.
 */
import { isArg, parseGlobals, runFast } from "./fastcore.js";
import state from "./commands/state.js";

export function tryState(argv: readonly string[]): Promise<number> | undefined {
  const p = parseGlobals(argv);
  if (!p || p.rest.length !== 2 || p.rest[0] !== "state" || !isArg(p.rest[1])) return undefined;
  const id = p.rest[1];
  return runFast({ ...p.g, run: (ctx) => state(ctx, id) });
}
