// create's frozen check (src/cgroup/frozen.ts) on a cgroupfs made of plain files: the container's
// own directory when it exists, else the nearest one above it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { frozenAt } from "../../src/cgroup/frozen.js";

function tree(): { root: string; done: () => void } {
  const root = mkdtempSync(join(tmpdir(), "tsrun-frozen-"));
  return { root, done: () => rmSync(root, { recursive: true, force: true }) };
}

test("v1: a frozen leaf, a frozen parent of a leaf not made yet, and a thawed one", () => {
  const { root, done } = tree();
  try {
    const p = join(root, "freezer", "pod");
    mkdirSync(p, { recursive: true });
    writeFileSync(join(p, "freezer.state"), "THAWED\n");
    assert.equal(frozenAt({ v1: { freezer: join(p, "c1") } }), undefined);
    writeFileSync(join(p, "freezer.state"), "FROZEN\n");
    assert.equal(frozenAt({ v1: { freezer: join(p, "c1", "deeper") } }), p, "the nearest existing directory decides");
    mkdirSync(join(p, "c2"));
    writeFileSync(join(p, "c2", "freezer.state"), "FREEZING\n");
    assert.equal(frozenAt({ v1: { freezer: join(p, "c2") } }), join(p, "c2"));
  } finally { done(); }
});

test("v2: cgroup.events says frozen 1", () => {
  const { root, done } = tree();
  try {
    const p = join(root, "unified", "pod");
    mkdirSync(p, { recursive: true });
    writeFileSync(join(p, "cgroup.events"), "populated 0\nfrozen 0\n");
    assert.equal(frozenAt({ v2: join(p, "c") }), undefined);
    writeFileSync(join(p, "cgroup.events"), "populated 0\nfrozen 1\n");
    assert.equal(frozenAt({ v2: join(p, "c") }), p);
    assert.equal(frozenAt({}), undefined, "no freezer anywhere: nothing to refuse");
  } finally { done(); }
});
