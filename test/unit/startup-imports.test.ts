// Start-up cost: Bun's compiled executable evaluates every static `node:` import of the bundle
// before main runs (docs/PERFORMANCE.md, round 4), so a static import of node:child_process or
// node:os in any module slows `state` and every other call. Only node:fs and node:path are
// imported statically; the rest is reached with process.getBuiltinModule where it is used.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { repoRoot } from "../helpers/rootfs.js";

const CHEAP = new Set(["node:fs", "node:path"]);

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

test("no module of tsrun imports a node: built-in other than fs and path statically (each one costs every call's start-up)", () => {
  const files = tsFiles(join(repoRoot, "src"));
  assert.ok(files.length > 50, `found only ${files.length} source files`);
  const found: string[] = [];
  for (const f of files) {
    for (const m of readFileSync(f, "utf8").matchAll(/^\s*import\s+(?!type\b)[^;]*?from\s+"(node:[^"]+)"/gm)) {
      if (!CHEAP.has(m[1])) found.push(`${relative(repoRoot, f)}: ${m[1]}`);
    }
  }
  assert.deepEqual(found, [], "use process.getBuiltinModule(...) where the module is needed");
});
