// Where runc 1.1.5 departs from the runtime spec, tsrun follows the spec.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Harness, requireRoot, processesWith } from "../helpers/harness.js";
import { oneLineError } from "../helpers/cli.js";

let h: Harness;
before(() => { requireRoot(); h = new Harness(); });
after(() => h.cleanup());

test("delete of a created (not stopped) container without --force is an error and changes nothing", () => {
  const b = h.bundle({ process: { args: ["/bin/sh", "-c", "sleep 1000; : created-delete-marker"] } }, { busybox: true });
  const id = h.id();
  h.ok(["create", "--bundle", b, id]);
  const r = h.run(["delete", id]);
  assert.ok(oneLineError(r), `status ${r.status}: ${r.stderr}`);
  assert.match(r.stderr, new RegExp(`^cannot delete container ${id} that is not stopped: created$`, "m"));
  assert.equal(h.state(id).status, "created", "still there, still created");
  h.ok(["delete", "--force", id]);
  h.assertGone(id);
  assert.deepEqual(processesWith("created-delete-marker"), []);
});

test("create without a process works; start then fails in one line; delete --force leaves nothing", () => {
  const b = h.bundle({ process: null });
  const id = h.id();
  h.ok(["create", "--bundle", b, id]);
  const st = h.state(id);
  assert.equal(st.status, "created");
  assert.ok(st.pid > 0);
  const r = h.run(["start", id]);
  assert.ok(oneLineError(r), `status ${r.status}: ${r.stderr}`);
  assert.match(r.stderr, new RegExp(`^cannot start container "${id}": config\\.json has no process$`, "m"));
  assert.equal(h.state(id).status, "created", "a refused start changes nothing");
  h.ok(["delete", "--force", id]);
  h.assertGone(id);
});
