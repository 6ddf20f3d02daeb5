// --pid-file (src/pidfile.ts): the temporary name cannot be guessed from tsrun's pid, and the
// write replaces whatever is at the target (a symlink included) without following it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync, symlinkSync, lstatSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pidFileTempName, writePidFile } from "../../src/pidfile.js";

test("the temporary name is hidden, next to the target, and comes from the random bytes only", () => {
  const a = pidFileTempName("/run/x/init.pid", Buffer.alloc(16, 1));
  const b = pidFileTempName("/run/x/init.pid", Buffer.alloc(16, 2));
  assert.equal(a, "/run/x/.init.pid.tsrun-01010101010101010101010101010101");
  assert.notEqual(a, b);
  assert.ok(!a.includes(String(process.pid)), "tsrun's pid is not part of the name");
});

test("writePidFile replaces a symlink at the target and leaves its destination alone", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsrun-pidfile-"));
  try {
    writeFileSync(join(dir, "victim"), "keep", { mode: 0o600 });
    symlinkSync(join(dir, "victim"), join(dir, "p.pid"));
    writePidFile(join(dir, "p.pid"), 4242);
    assert.equal(readFileSync(join(dir, "victim"), "utf8"), "keep");
    assert.ok(lstatSync(join(dir, "p.pid")).isFile());
    assert.equal(readFileSync(join(dir, "p.pid"), "utf8"), "4242");
    assert.equal(lstatSync(join(dir, "p.pid")).mode & 0o777, 0o644);
    assert.deepEqual(readdirSync(dir).sort(), ["p.pid", "victim"], "no temporary file is left");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("writePidFile in a missing directory fails in one line naming the pid file and ENOENT", () => {
  assert.throws(() => writePidFile("/nonexistent-tsrun-dir/p.pid", 1), (e: Error) => e.message === "write pid file `/nonexistent-tsrun-dir/p.pid`: ENOENT");
});
