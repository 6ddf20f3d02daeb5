// Bad input: exit 1, one clear line, and nothing left behind (state dir, cgroup, process, mount).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { Harness, requireRoot, processesWith } from "../helpers/harness.js";
import { oneLineError } from "../helpers/cli.js";
import { mountsConcerning } from "../helpers/leftovers.js";

const H = "/bin/tsrun-testhelper";
let h: Harness;
let mountsBefore: string[];
// a leaked mount would be under our tmp dir (bundles, --root) or on a destination or source of the
// configs below; other suites' mounts come and go meanwhile and are not ours to compare
const ours = (): string[] => mountsConcerning([h.tmp, "/x", "/bad", "/does/not/exist"]);
before(() => { requireRoot(); h = new Harness(); mountsBefore = ours(); });
after(() => h.cleanup());

function expectFailure(args: string[], re: RegExp, id?: string): void {
  const r = h.run(args);
  assert.ok(oneLineError(r), `${args.join(" ")} → status ${r.status}, stderr ${JSON.stringify(r.stderr)}`);
  assert.match(r.stderr, re);
  if (id) h.assertGone(id);
}

test("a broken bundle fails create with one line naming the problem, and leaves nothing", () => {
  const id = h.id();
  expectFailure(["create", "--bundle", join(h.tmp, "nope"), id], /bundle `.*nope`: ENOENT/, id);

  const b1 = h.bundle();
  writeFileSync(join(b1, "config.json"), "{ not json");
  expectFailure(["create", "--bundle", b1, id], /^config\.json: invalid JSON/, id);

  const b2 = h.bundle({ process: { args: "not-a-list" } });
  expectFailure(["create", "--bundle", b2, id], /^config\.json: process\.args: /, id);

  const b3 = h.bundle({ process: { user: { uid: "root" } } });
  expectFailure(["create", "--bundle", b3, id], /^config\.json: process\.user\.uid: /, id);

  const b4 = h.bundle({ linux: { namespaces: [{ type: "pid" }, { type: "mount" }, { type: "foo" }] } });
  expectFailure(["create", "--bundle", b4, id], /^config\.json: linux\.namespaces\[2\]\.type: unknown namespace "foo"$/m, id);

  const b5 = h.bundle({ process: { args: ["/bin/no-such-binary"] } });
  expectFailure(["create", "--bundle", b5, id], /executable file not found|no such file or directory/, id);
  const b6 = h.bundle({ process: { args: ["no-such-cmd"] } });
  expectFailure(["create", "--bundle", b6, id], /exec: "no-such-cmd": executable file not found in \$PATH/, id);

  const b7 = h.bundle({ mounts: [{ destination: "/x", type: "bind", source: "/does/not/exist", options: ["bind"] }] });
  expectFailure(["create", "--bundle", b7, id], /mounts\[0\]\.source/, id);
  assert.deepEqual(h.stateDirs(), []);
  assert.deepEqual(ours(), mountsBefore, "no mount leaked onto the host");
});

test("ids with / or .. are refused before any path is built", () => {
  const b = h.bundle();
  for (const bad of ["a/b", "..", ".", "../../etc", "x y"]) {
    expectFailure(["create", "--bundle", b, bad], /invalid container id/);
  }
  assert.deepEqual(h.stateDirs(), []);
});

test("a duplicate id, starting twice, deleting a running container", () => {
  const b = h.bundle({ process: { args: ["/bin/sh", "-c", "sleep 1000; : dup-marker"] } }, { busybox: true });
  const id = h.id();
  h.ok(["create", "--bundle", b, id]);
  expectFailure(["create", "--bundle", b, id], /already exists/);
  assert.equal(h.state(id).status, "created", "the first container is untouched");
  h.ok(["start", id]);
  expectFailure(["start", id], /cannot start an already running container/);
  expectFailure(["delete", id], /cannot delete container .* that is not stopped: running/);
  h.ok(["delete", "--force", id]);
  h.assertGone(id);
  assert.deepEqual(processesWith("dup-marker"), []);
});

test("a mount that fails in the child is reported with the op and errno, and cleaned up", () => {
  const id = h.id();
  const b = h.bundle({ mounts: [{ destination: "/bad", type: "nosuchfs", source: "none" }] });
  // the failure names the config member it came from
  expectFailure(["create", "--bundle", b, id], /^config\.json: mounts\[\d+\]: mount "nosuchfs" on "\/bad": ENODEV \(no such device\) \(op \d+\)$/m, id);
  mkdirSync(join(h.tmp, "empty"), { recursive: true });
});
