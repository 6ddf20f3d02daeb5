// The validator generated from the zod schema (src/spec/fast-check.generated.ts) decides what zod
// would decide: it is current with the schema, and it agrees with zod's safeParse on every fixture
// and on seeded mutations of them. A disagreement would let a bad config through without zod.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../helpers/rootfs.js";
import { mutate, rng } from "../helpers/fuzz.js";
import { validProcess, validSpec } from "../../src/spec/fast-check.generated.js";
import { processSchema, specSchema } from "../../src/spec/schema.js";

test("the generated validator is current with src/spec/schema*.ts (regenerate: node scripts/gen-validator.mjs)", () => {
  const r = spawnSync(process.execPath, [join(repoRoot, "scripts", "gen-validator.mjs"), "--print"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, readFileSync(join(repoRoot, "src", "spec", "fast-check.generated.ts"), "utf8"));
});

const FIX = join(repoRoot, "spec-fixtures");
/** The JSON documents of a fixture dir (a few bad ones are not JSON at all: JSON.parse rejects those first). */
function docs(dir: string): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const f of readdirSync(join(FIX, dir)).filter((n) => n.endsWith(".json"))) {
    try { out.push([`${dir}/${f}`, JSON.parse(readFileSync(join(FIX, dir, f), "utf8"))]); } catch { /* not JSON */ }
  }
  return out;
}

test("fixtures: the generated validator and zod agree, good ones and bad ones", () => {
  let good = 0, bad = 0;
  for (const [name, doc] of [...docs("oci/good"), ...docs("oci/bad"), ...docs("clients")]) {
    const isProcess = name.endsWith("process.json");
    const zod = (isProcess ? processSchema : specSchema).safeParse(doc).success;
    assert.equal((isProcess ? validProcess : validSpec)(doc), zod, name);
    if (zod) good++; else bad++;
  }
  assert.ok(good >= 10 && bad >= 5, `${good} valid, ${bad} invalid fixtures`);
});

test("4000 seeded mutations of the client configs: the generated validator and zod agree on each", () => {
  const r = rng(13);
  const bases = docs("clients").filter(([n]) => n.endsWith("config.json")).map(([, d]) => d);
  let rejected = 0;
  for (let i = 0; i < 4000; i++) {
    const c = mutate(structuredClone(bases[i % bases.length]) as never, r);
    let doc: unknown;
    try { doc = JSON.parse(c.bytes.toString("utf8")); } catch { continue; }
    const zod = specSchema.safeParse(doc).success;
    assert.equal(validSpec(doc), zod, `${c.name}: ${c.bytes.toString("utf8").slice(0, 300)}`);
    if (!zod) rejected++;
  }
  assert.ok(rejected > 500, `${rejected} of the mutations are invalid`);
});
