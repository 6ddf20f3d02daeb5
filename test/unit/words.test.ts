// What tsrun says names tsrun: no string a user can read (an error, a warning, a help line) says "runc". The names
// runc defines for clients (a features annotation) and the help's one-line description are the exceptions.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../helpers/rootfs.js";

const ALLOWED = [/org\.opencontainers\.runc\./, /\(runc compatible\)/];

function* tsFiles(dir: string): Generator<string> {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) yield* tsFiles(p);
    else if (n.endsWith(".ts") && !n.endsWith(".generated.ts")) yield p;
  }
}

test("no string literal in src/ names runc", () => {
  const found: string[] = [];
  for (const f of tsFiles(join(repoRoot, "src"))) {
    readFileSync(f, "utf8").split("\n").forEach((line, i) => {
      const code = line.trim();
      if (code.startsWith("//") || code.startsWith("*") || code.startsWith("/*")) return;
      for (const m of code.replace(/\s\/\/ .*$/, "").matchAll(/(["'`])((?:\\.|(?!\1).)*)\1/g)) {
        if (/\brunc\b/.test(m[2]) && !ALLOWED.some((re) => re.test(m[2]))) found.push(`${f.slice(repoRoot.length + 1)}:${i + 1}: ${m[0]}`);
      }
    });
  }
  assert.deepEqual(found, []);
});
