// Golden plans: the exact op sequence tsrun compiles for real client bundles.
// Regenerate after an intended change with: UPDATE_GOLDEN=1 npm run test:unit
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { parseSpec } from "../../src/spec/load.js";
import { compileInit } from "../../src/plan/compile.js";
import { dumpPlan } from "../../src/plan/builder.js";
import { repoRoot } from "../helpers/rootfs.js";

const host = { sourceKind: (p: string) => (p.endsWith(".conf") || p.includes("/etc/host") || p.includes("containerenv") ? "file" as const : "dir" as const) };

function golden(name: string, fixture: string, noPivot = false): void {
  const spec = parseSpec(readFileSync(join(repoRoot, "spec-fixtures", fixture), "utf8"));
  const plan = compileInit(spec, { rootfs: "/bundle/rootfs", bundle: "/bundle", noPivot, host });
  const text = dumpPlan(plan);
  const file = join(repoRoot, "test", "golden", `${name}.plan`);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, text);      // never recreated silently: a missing golden fails
  assert.ok(existsSync(file), `golden plan ${file} is missing (UPDATE_GOLDEN=1 writes it, on purpose)`);
  assert.equal(text, readFileSync(file, "utf8"), `golden plan ${name} changed`);
  assert.equal(plan.buffer.readUInt32LE(8), plan.ops.length);
}

test("containerd's ctr run bundle compiles to the golden plan", () => golden("containerd", "clients/containerd-config.json"));
test("podman's bundle compiles to the golden plan", () => golden("podman", "clients/podman-config.json"));
test("--no-pivot swaps pivot_root for MS_MOVE + chroot", () => golden("containerd-nopivot", "clients/containerd-config.json", true));

test("plan ordering: mounts before pivot, masks after, caps before lookup, exec last", () => {
  const spec = parseSpec(readFileSync(join(repoRoot, "spec-fixtures", "clients", "containerd-config.json"), "utf8"));
  const ops = compileInit(spec, { rootfs: "/r", bundle: "/b", noPivot: false, host }).ops.map((o) => o.describe);
  const at = (re: RegExp): number => ops.findIndex((d) => re.test(d));
  assert.ok(at(/^mount "proc"/) < at(/^pivot_root/));
  assert.ok(at(/^pivot_root/) < at(/^mask path/));
  assert.ok(at(/^readonly path/) < at(/^capset/));
  assert.ok(at(/^capset/) < at(/^report ready/));
  assert.ok(at(/^report ready/) < at(/^wait for start/));
  assert.equal(at(/^exec /), at(/^exec /));
  assert.match(ops[ops.length - 1], /^exec "\/bin\/sleep"/);
});
