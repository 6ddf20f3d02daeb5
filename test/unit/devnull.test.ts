// `ctr run --null-io` hands the runtime /dev/null opened read-only as stdout and stderr:
// tsrun reopens such fds read-write before cloning init (as runc does), so the
// container's writes succeed. Pipes and other stdio are left alone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { openSync, closeSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../helpers/rootfs.js";

const mod = pathToFileURL(join(repoRoot, "dist", "src", "sys", "devnull.js")).href;
const native = pathToFileURL(join(repoRoot, "dist", "src", "sys", "native.js")).href;
// reports each stdio fd's access mode on stderr (a pipe), after a write to fd 1
const child = `
const fs = require("node:fs");
Promise.all([import(${JSON.stringify(mod)}), import(${JSON.stringify(native)})]).then(([m, n]) => {
  m.reopenDevNullStdio(n.nativeSys());
  let wrote = "ok";
  try { fs.writeSync(1, "x"); } catch (e) { wrote = e.code; }
  const mode = (fd) => ["RDONLY", "WRONLY", "RDWR"][parseInt(/flags:\\s*([0-7]+)/.exec(fs.readFileSync("/proc/self/fdinfo/" + fd, "utf8"))[1], 8) & 3];
  const kind = (fd) => { const s = fs.fstatSync(fd); return s.isCharacterDevice() && s.rdev === 259 ? "null" : s.isFile() ? "file" : "pipe"; };
  process.stderr.write(JSON.stringify({ fds: [0, 1, 2].map((fd) => kind(fd) + " " + mode(fd)), wrote }));
});`;

test("stdio that is a read-only /dev/null is reopened read-write; a pipe is left alone", () => {
  const ro = openSync("/dev/null", "r");
  try {
    const r = spawnSync(process.execPath, ["-e", child], { stdio: [ro, ro, "pipe"], encoding: "utf8", timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stderr), { fds: ["null RDWR", "null RDWR", "pipe RDWR"], wrote: "ok" }, "the write to fd 1 succeeds");
  } finally {
    closeSync(ro);
  }
});

test("a file opened write-only as stdout is not touched", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsrun-devnull-"));
  const out = openSync(join(dir, "out"), "w");
  const ro = openSync("/dev/null", "r");
  try {
    const r = spawnSync(process.execPath, ["-e", child], { stdio: [ro, out, "pipe"], encoding: "utf8", timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stderr), { fds: ["null RDWR", "file WRONLY", "pipe RDWR"], wrote: "ok" });
    assert.equal(readFileSync(join(dir, "out"), "utf8"), "x");
  } finally {
    closeSync(out);
    closeSync(ro);
    rmSync(dir, { recursive: true, force: true });
  }
});
