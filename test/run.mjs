// Runs the compiled test files with node's built-in runner.
// Usage: node test/run.mjs unit|integration|e2e|all
// Tier "integration" needs root; it fails (does not skip) without it.
import { readdirSync, existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const tiers = { unit: ["unit"], integration: ["integration"], e2e: ["e2e"], all: ["unit", "integration"] };
const which = process.argv[2] ?? "all";
const dirs = tiers[which];
if (!dirs) { console.error(`unknown tier "${which}"`); process.exit(1); }
const files = [];
for (const d of dirs) {
  const dir = join("dist", "test", d);
  if (!existsSync(dir)) continue;
  for (const f of readdirSync(dir).sort()) if (f.endsWith(".test.js")) files.push(join(dir, f));
}
if (files.length === 0) { console.error("no test files found; run npm run build first"); process.exit(1); }
const r = spawnSync(process.execPath, ["--test", "--test-concurrency=1", ...files], { stdio: "inherit" });
process.exit(r.status ?? 1);
