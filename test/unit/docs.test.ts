// The README and docs/ work in a fresh clone: every relative link names a file of the repository, nothing points
// outside it (a sibling checkout, this machine's paths), and the quick start states what it needs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { repoRoot } from "../helpers/rootfs.js";

const DOCS = ["README.md", ...readdirSync(join(repoRoot, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

test("README and docs/: relative links resolve inside the repository; no ../shared, no /work paths", () => {
  const bad: string[] = [];
  for (const doc of DOCS) {
    const text = readFileSync(join(repoRoot, doc), "utf8");
    if (/\.\.\/shared\b|\/work\//.test(text)) bad.push(`${doc}: names a path outside the clone`);
    for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;                       // https:, mailto:
      const abs = resolve(dirname(join(repoRoot, doc)), target);
      if (!abs.startsWith(repoRoot + "/") || !existsSync(abs)) bad.push(`${doc}: link ${target}`);
    }
  }
  assert.deepEqual(bad, []);
});

test("the quick start states its prerequisites: Node 20, cc, make, libseccomp", () => {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const quick = readme.slice(readme.indexOf("## Quick start"), readme.indexOf("\n## ", readme.indexOf("## Quick start") + 1));
  for (const want of [/Node\.js 20/, /`cc`/, /`make`/, /libseccomp/]) assert.match(quick, want);
});
