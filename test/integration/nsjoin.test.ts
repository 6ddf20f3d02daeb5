// Namespaces given with a path are joined (setns in the executor), not created.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Harness, requireRoot } from "../helpers/harness.js";

const H = "/bin/tsrun-testhelper";
let h: Harness;
before(() => { requireRoot(); h = new Harness(); });
after(() => h.cleanup());

test("a container joins another container's uts and pid namespaces by path", () => {
  const a = h.bundle({ hostname: "alpha", process: { args: [H, "pause"] } });
  const ida = h.id();
  h.ok(["create", "--bundle", a, ida]);
  const pid = h.state(ida).pid;
  const ns = (t: string, p?: string) => (p ? { type: t, path: p } : { type: t });
  const joined = (args: string[]) => h.bundle({
    hostname: null,
    process: { args: [H, ...args] },
    linux: { namespaces: [ns("uts", `/proc/${pid}/ns/uts`), ns("pid", `/proc/${pid}/ns/pid`), ns("mount"), ns("ipc"), ns("network")] },
  });
  const r = h.run(["run", "--bundle", joined(["hostname"]), h.id()]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "alpha\n", "the joined uts namespace carries the other container's hostname");
  const p = h.run(["run", "--bundle", joined(["pid"]), h.id()]);
  assert.equal(p.status, 0, p.stderr);
  assert.notEqual(p.stdout, "1\n", "in a joined pid namespace the process is not its init");
  assert.match(p.stdout, /^\d+\n$/);
  h.ok(["delete", "--force", ida]);
  h.assertGone(ida);
});

test("joining a namespace path that does not exist fails with one line and leaves nothing", () => {
  const b = h.bundle({ linux: { namespaces: [{ type: "uts", path: "/proc/999999999/ns/uts" }, { type: "mount" }, { type: "pid" }] } });
  const id = h.id();
  const r = h.run(["create", "--bundle", b, id]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^config\.json: linux\.namespaces\[\d+\]\.path: join uts namespace "\/proc\/999999999\/ns\/uts": ENOENT \(no such file or directory\) \(op 0\)$/m);
  assert.equal(r.stderr.trim().split("\n").length, 1);
  h.assertGone(id);
});
