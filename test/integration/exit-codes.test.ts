// What a script or a client (containerd's shim, conmon) reads from `tsrun exec`: runc's 255 when the exec itself
// fails, the process's own status otherwise; and --debug's lines, on stderr or in --log.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
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
  fails255(["--pid-file", "/nonexistent-dir/x.pid", id, "true"], /nonexistent-dir/);     // in the foreground too
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

test("--debug exec logs the process it runs: logrus text on stderr, or JSON lines in --log FILE", () => {
  const r = h.run(["--debug", "exec", id, "sh", "-c", "echo out; exit 4"]);
  assert.equal(r.status, 4, r.stderr);
  assert.equal(r.stdout, "out\n");
  const lines = r.stderr.trim().split("\n");
  assert.ok(lines.length >= 2, r.stderr);
  for (const l of lines) assert.match(l, /^time="[^"]+" level=debug msg=".*"$/, r.stderr);
  assert.match(r.stderr, /process \d+ exited with status 4/);

  const file = join(h.tmp, "debug.json");
  const j = h.run(["--debug", "--log", file, "--log-format", "json", "exec", id, "true"]);
  assert.equal(j.status, 0, j.stderr);
  assert.equal(j.stderr, "", "with --log, debug lines go to the file only");
  const logged = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, string>);
  assert.ok(logged.length >= 2 && logged.every((o) => o.level === "debug"), JSON.stringify(logged));
  assert.ok(logged.some((o) => /exited with status 0/.test(o.msg)), JSON.stringify(logged));
});

test("--debug run logs each step (create, start) as logrus debug lines on stderr; with --log only in the file", () => {
  const b = h.bundle({ process: { args: ["/bin/true"] } }, { busybox: true });
  const r = h.run(["--debug", "run", "--bundle", b, h.id("dbg")]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^time="[^"]+" level=debug msg="create: [^ ]+: init \d+ is ready, waiting for start"$/m);
  assert.match(r.stderr, /^time="[^"]+" level=debug msg="start: [^ ]+: init \d+ released: it execs \[\\"\/bin\/true\\"\]"$/m);
  const file = join(h.tmp, "run-debug.log");
  const f = h.run(["--debug", "--log", file, "run", "--bundle", b, h.id("dbg")]);
  assert.equal(f.status, 0, f.stderr);
  assert.doesNotMatch(f.stderr, /level=debug/);
  assert.match(readFileSync(file, "utf8"), /level=debug msg="create: /);
});
