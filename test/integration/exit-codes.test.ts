// The exit status a script or a client (containerd's shim, conmon) reads from `tsrun exec`: runc's 255 when the exec
// itself fails, the process's own status otherwise.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Harness, requireRoot } from "../helpers/harness.js";
import { oneLineError } from "../helpers/cli.js";

let h: Harness;
let id: string;
before(() => {
  requireRoot();
  h = new Harness();
  id = h.id("exitc");
  h.ok(["run", "-d", "--bundle", h.bundle({ process: { args: ["/bin/sleep", "1000"] } }, { busybox: true }), id]);
});
after(() => h.cleanup());

function fails255(args: string[], words: RegExp): void {
  const r = h.run(["exec", ...args]);
  assert.equal(r.status, 255, `exec ${args.join(" ")}: status ${r.status}, stderr ${r.stderr}`);
  assert.ok(oneLineError(r), r.stderr);
  assert.match(r.stderr, words);
}

test("a failed exec exits 255: missing binary, missing container, bad --cwd, unwritable --pid-file", () => {
  fails255([id, "/no/such/binary"], /no such file or directory/);
  fails255([id, "no-such-binary"], /executable file not found in \$PATH/);
  fails255(["ghost-" + process.pid, "true"], /container does not exist/);
  fails255(["--cwd", "/no/such/dir", id, "true"], /no\/such\/dir/);
  fails255(["--detach", "--pid-file", "/nonexistent-dir/x.pid", id, "true"], /nonexistent-dir/);
});

test("a failed exec exits 255: a paused container, a stopped one", () => {
  h.ok(["pause", id]);
  try {
    fails255([id, "true"], /paused/);
  } finally {
    h.ok(["resume", id]);
  }
  const sid = h.id("exitc-stopped");
  h.ok(["run", "--keep", "--bundle", h.bundle({ process: { args: ["/bin/true"] } }, { busybox: true }), sid]);
  fails255([sid, "true"], /is not running/);
});

test("the process's own status passes through unchanged, 255 included", () => {
  for (const code of [0, 1, 3, 126, 127, 255]) {
    const r = h.run(["exec", id, "sh", "-c", `echo out; exit ${code}`]);
    assert.equal(r.status, code, r.stderr);
    assert.equal(r.stdout, "out\n");
    assert.equal(r.stderr, "");
  }
});
