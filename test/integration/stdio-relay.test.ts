// Foreground stdio (issue 13): `run` and `exec` without -d and without a terminal give the
// process fresh pipes that tsrun relays, as runc does, so that the caller's stdout file (a
// host log) cannot be reopened and read back from inside; detached runs still hand the
// caller's stdio straight through (containerd and podman rely on that).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { openSync, closeSync, readFileSync, writeFileSync, readlinkSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { Harness, requireRoot } from "../helpers/harness.js";
import { TSRUN } from "../helpers/cli.js";
import { mappedUserns } from "../helpers/rootfs.js";

const H = "/bin/tsrun-testhelper";
const SECRET = `host-log-secret-${process.pid}`;
let h: Harness;
before(() => { requireRoot(); h = new Harness(); });
after(() => h.cleanup());

/** tsrun with its stdout appended to a host log that already holds a secret line; the log's text after. */
function intoLog(args: string[]): { status: number; stderr: string; log: string } {
  const log = join(h.tmp, `log-${h.id("l")}`);
  writeFileSync(log, `${SECRET}\n`);
  const fd = openSync(log, "a");
  try {
    const r = spawnSync(TSRUN, ["--root", h.root, ...args], { stdio: ["ignore", fd, "pipe"], encoding: "utf8", timeout: 60_000 });
    return { status: r.status ?? -1, stderr: r.stderr, log: readFileSync(log, "utf8") };
  } finally { closeSync(fd); }
}

/** tsrun with every stdio a pipe (large buffers): stdout and stderr as they arrived. */
function piped(args: string[], input?: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(TSRUN, ["--root", h.root, ...args], { input, encoding: "utf8", maxBuffer: 64 << 20, timeout: 60_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const runArgs = (args: string[], patch: Record<string, unknown> = {}): string[] =>
  ["run", "--bundle", h.bundle({ process: { args }, ...patch }, { busybox: true }), h.id("r")];

const kinds = (fdsOut: string): string[] =>
  fdsOut.trim().split("\n").filter((l) => /^[012] -> /.test(l)).map((l) => l.replace(/\[\d+\]$/, ""));

test("run: the container cannot read back tsrun's stdout file; its output still lands after the log's lines", () => {
  const r = intoLog(runArgs([H, "readback", "/proc/self/fd/1"]));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.log, `${SECRET}\nEAGAIN\n`, "fd 1 inside is an empty pipe, not the log");
});

test("exec: the same for a foreground exec", () => {
  const id = h.id("ex");
  h.ok(["run", "-d", "--bundle", h.bundle({ process: { args: [H, "pause"] } }), id]);
  const r = intoLog(["exec", id, H, "readback", "/proc/self/fd/1"]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.log, `${SECRET}\nEAGAIN\n`);
  const e = intoLog(["exec", id, H, "readback", "/proc/self/fd/2"]);
  assert.equal(e.log, `${SECRET}\nEAGAIN\n`, "nor through fd 2");
  h.ok(["delete", "--force", id]);
  h.assertGone(id);
});

test("foreground: fds 0, 1 and 2 inside are pipes, for run and for exec", () => {
  const pipes = ["0 -> pipe:", "1 -> pipe:", "2 -> pipe:"];
  const r = h.run(runArgs([H, "fds"]));
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(kinds(r.stdout), pipes);
  const id = h.id("fx");
  h.ok(["run", "-d", "--bundle", h.bundle({ process: { args: [H, "pause"] } }), id]);
  assert.deepEqual(kinds(h.ok(["exec", id, H, "fds"]).stdout), pipes);
  h.ok(["delete", "--force", id]);
});

test("in a user namespace the pipes belong to the container's root: /dev/stdout can be reopened", () => {
  chmodSync(h.tmp, 0o755);                        // the mapped root (host 100000) must reach the rootfs
  const r = piped(runArgs(["sh", "-c", "echo via-dev-stdout > /dev/stdout; echo via-dev-stderr > /dev/stderr; stat -L -c '%u %g' /proc/self/fd/1"], { linux: mappedUserns() }));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "via-dev-stdout\n0 0\n");
  assert.equal(r.stderr, "via-dev-stderr\n");
});

test("detached: run -d, create + start and exec -d hand the caller's files straight through", () => {
  const files = ["in", "out", "err"].map((n) => join(h.tmp, `det-${n}`));
  for (const f of files) writeFileSync(f, "");
  const fds = [openSync(files[0], "r"), openSync(files[1], "a"), openSync(files[2], "a")];
  const call = (args: string[]): void => {
    const r = spawnSync(TSRUN, ["--root", h.root, ...args], { stdio: fds, timeout: 60_000 });
    assert.equal(r.status, 0, `tsrun ${args.join(" ")}: ${readFileSync(files[2], "utf8")}`);
  };
  const targets = (pid: number): string[] => [0, 1, 2].map((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`));
  try {
    const d = h.id("rd");
    call(["run", "-d", "--bundle", h.bundle({ process: { args: [H, "pause"] } }), d]);
    assert.deepEqual(targets(h.state(d).pid), files, "run -d");
    const pidFile = join(h.tmp, "exec.pid");
    call(["exec", "-d", "--pid-file", pidFile, d, H, "pause"]);
    assert.deepEqual(targets(Number(readFileSync(pidFile, "utf8"))), files, "exec -d");
    h.ok(["delete", "--force", d]);
    const c = h.id("cs");
    call(["create", "--bundle", h.bundle({ process: { args: [H, "pause"] } }), c]);
    h.ok(["start", c]);
    assert.deepEqual(targets(h.state(c).pid), files, "create + start");
    h.ok(["delete", "--force", c]);
  } finally {
    for (const fd of fds) closeSync(fd);
  }
});

test("stdin is relayed and its EOF ends a cat; /dev/null and a closed stdin are EOF at once", () => {
  const input = "line one\nline two\n" + "x".repeat(200_000) + "\n";
  const r = piped(runArgs(["cat"]), input);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, input);
  const n = h.run(runArgs(["cat"]));              // stdin: /dev/null
  assert.equal(n.status, 0, n.stderr);
  assert.equal(n.stdout, "");
  const closed = spawnSync("sh", ["-c", 'exec "$0" "$@" <&-', TSRUN, "--root", h.root, ...runArgs(["sh", "-c", "cat; echo done"])], { encoding: "utf8", timeout: 60_000 });
  assert.equal(closed.status, 0, closed.stderr);
  assert.equal(closed.stdout, "done\n");
  const id = h.id("si");
  h.ok(["run", "-d", "--bundle", h.bundle({ process: { args: [H, "pause"] } }), id]);
  const e = piped(["exec", id, H, "cat"], "to exec\n");
  assert.equal(e.stdout, "to exec\n");
  h.ok(["delete", "--force", id]);
});

test("megabytes on stdout and stderr at once arrive intact and in order per stream", () => {
  const seq = (n: number): string => Array.from({ length: n }, (_, i) => `${i + 1}\n`).join("");
  const r = piped(runArgs(["sh", "-c", "seq 1 500000 & seq 1 300000 >&2; wait"]));
  assert.equal(r.status, 0);
  assert.equal(r.stdout.length, seq(500000).length);
  assert.ok(r.stdout === seq(500000), "stdout intact");
  assert.ok(r.stderr === seq(300000), "stderr intact");
});

test("exit statuses pass through, and output written just before the exit is not lost", () => {
  const r = piped(runArgs(["sh", "-c", "seq 1 20000; echo last >&2; exit 42"]));
  assert.equal(r.status, 42);
  assert.ok(r.stdout.endsWith("19999\n20000\n"));
  assert.equal(r.stderr, "last\n");
  const id = h.id("st");
  h.ok(["run", "-d", "--bundle", h.bundle({ process: { args: [H, "pause"] } }, { busybox: true }), id]);
  const e = piped(["exec", id, "sh", "-c", "echo out; exit 7"]);
  assert.deepEqual([e.status, e.stdout], [7, "out\n"]);
  assert.equal(piped(["exec", id, "sh", "-c", "echo bye; kill -9 $$"]).status, 137, "128 + SIGKILL");
  h.ok(["delete", "--force", id]);
});

test("run: a background process still holding the pipes goes with the container (pid namespace or not)", () => {
  const r = piped(runArgs(["sh", "-c", "sleep 300 & echo started"]));
  assert.deepEqual([r.status, r.stdout], [0, "started\n"]);
  const noPidNs = { linux: { namespaces: [{ type: "network" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }] } };
  const args = runArgs(["sh", "-c", "sleep 300 & echo started"], noPidNs);
  const n = piped(args);
  assert.deepEqual([n.status, n.stdout], [0, "started\n"], n.stderr);
  h.assertGone(args[args.length - 1]);
});

test("exec: what a background child writes after the process has exited is still relayed (EOF, as runc)", () => {
  const id = h.id("bg");
  h.ok(["run", "-d", "--bundle", h.bundle({ process: { args: [H, "pause"] } }, { busybox: true }), id]);
  const e = piped(["exec", id, "sh", "-c", "(sleep 1; echo late) & echo early"]);
  assert.deepEqual([e.status, e.stdout], [0, "early\nlate\n"]);
  h.ok(["delete", "--force", id]);
});
