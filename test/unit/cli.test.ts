// The command line as clients see it: shapes, exit codes and one-line errors. No root needed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tsrun, oneLineError, TSRUN } from "../helpers/cli.js";
import { spawnSync } from "node:child_process";
import { repoRoot } from "../helpers/rootfs.js";

const tmp = mkdtempSync(join(tmpdir(), "tsrun-cli-"));
test.after(() => rmSync(tmp, { recursive: true, force: true }));
const root = join(tmp, "root");

test("--version prints runc-style lines and works with an empty environment", () => {
  const r = spawnSync("/usr/bin/env", ["-i", TSRUN, "--version"], { encoding: "utf8", cwd: "/" });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.match(lines[0], /^tsrun version \d+\.\d+\.\d+$/);
  assert.match(lines[1], /^commit: /);
  assert.match(lines[2], /^spec: 1\.\d+\.\d+$/);
});

test("--version records the commit it was built from and the spec version features reports", () => {
  const lines = tsrun(["--version"]).stdout.trim().split("\n");
  const commit = /^commit: ([0-9a-f]{12})(-dirty)?$/.exec(lines[1]);
  assert.ok(commit, lines[1]);
  assert.equal(spawnSync("git", ["-C", repoRoot, "cat-file", "-e", `${commit[1]}^{commit}`]).status, 0, `${commit[1]} is a commit of this checkout`);
  assert.equal(lines[2], `spec: ${JSON.parse(tsrun(["features"]).stdout).ociVersionMax}`);
  const node = spawnSync(process.execPath, [join(repoRoot, "dist", "src", "main.js"), "--version"], { encoding: "utf8" });
  assert.match(node.stdout, /^commit: unknown \(not built by scripts\/build-exe\.mjs\)$/m, "node running dist/src says it has none");
});

test("spec writes runc's default config.json and refuses to overwrite it", () => {
  const b = join(tmp, "specb");
  spawnSync("mkdir", ["-p", b]);
  assert.equal(tsrun(["spec", "--bundle", b]).status, 0);
  const cfg = JSON.parse(readFileSync(join(b, "config.json"), "utf8"));
  assert.equal(cfg.process.terminal, true);
  assert.deepEqual(cfg.process.args, ["sh"]);
  assert.equal(cfg.root.path, "rootfs");
  assert.deepEqual(cfg.linux.namespaces.map((n: { type: string }) => n.type), ["pid", "network", "ipc", "uts", "mount"]);
  const again = tsrun(["spec", "--bundle", b]);
  assert.ok(oneLineError(again), again.stderr);
  assert.match(again.stderr, /exists/);
});

test("features is JSON in runc's shape, derived from tsrun's tables", () => {
  const r = tsrun(["features"]);
  assert.equal(r.status, 0, r.stderr);
  const f = JSON.parse(r.stdout);
  assert.equal(f.ociVersionMin, "1.0.0");
  assert.ok(f.hooks.includes("createContainer"));
  assert.ok(f.mountOptions.includes("rbind") && f.mountOptions.includes("nosymfollow"));
  assert.deepEqual(f.linux.namespaces.sort(), ["cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"]);
  assert.ok(f.linux.capabilities.includes("CAP_SYS_ADMIN"));
  assert.deepEqual(f.linux.cgroup, { v1: true, v2: true, systemd: true, systemdUser: false, rdma: true }, "the systemd driver (--systemd-cgroup)");
  assert.equal(f.annotations["io.github.tsrun.systemd.properties"],
    "MemoryMax,MemoryLow,MemorySwapMax,CPUWeight,CPUQuotaPerSecUSec,CPUQuotaPeriodUSec,AllowedCPUs,AllowedMemoryNodes,TasksMax,IOWeight,DevicePolicy,DeviceAllow");
  // checkpoint and restore are commands (they check criu when they run), as runc's features says
  assert.equal(f.annotations["org.opencontainers.runc.checkpoint.enabled"], "true");
});

test("list on an empty root: table header, json null, quiet nothing", () => {
  const t = tsrun(["--root", root, "list"]);
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER\n$/);
  assert.equal(tsrun(["--root", root, "list", "-f", "json"]).stdout, "null\n");
  assert.equal(tsrun(["--root", root, "list", "-q"]).stdout, "");
});

test("bad input is one line and exit 1: unknown container, bad id, bad flag, bad signal", () => {
  const cases: Array<[string[], RegExp]> = [
    [["--root", root, "state", "nope"], /^container does not exist$/m],
    [["--root", root, "state", "../x"], /invalid container id/],
    [["--root", root, "kill", "a/b", "9"], /invalid container id/],
    [["--root", root, "kill", "nope", "SIGFOO"], /invalid signal "SIGFOO"/],
    [["--root", root, "create", "--bogus", "x"], /unknown option/],
    [["--root", root, "delete", "nope"], /does not exist/],
    [["--root", root, "start"], /missing required argument/],
    [["--root", root, "--log-format", "xml", "list"], /log-format/],
    [["--root", root, "create", "--bundle", join(tmp, "missing"), "c1"], /bundle `.*missing`: ENOENT/],
    [["--root", root, "--systemd-cgroup", "state", "x"], /^container does not exist$/m],
  ];
  for (const [args, re] of cases) {
    const r = tsrun(args);
    assert.ok(oneLineError(r), `${args.join(" ")}: status ${r.status}, stderr ${JSON.stringify(r.stderr)}`);
    assert.match(r.stderr, re, args.join(" "));
  }
});

test("--log --log-format json appends containerd's error line as well as stderr text", () => {
  const logf = join(tmp, "log.json");
  writeFileSync(logf, "");
  const r = tsrun(["--root", root, "--log", logf, "--log-format", "json", "state", "ghost"]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, "container does not exist\n");
  const lines = readFileSync(logf, "utf8").trim().split("\n");
  assert.equal(lines.length, 1);
  const o = JSON.parse(lines[0]);
  assert.equal(o.level, "error");
  assert.equal(o.msg, "container does not exist");
  assert.match(o.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

test("delete --force of a missing container succeeds quietly, as runc's does", () => {
  const r = tsrun(["--root", root, "delete", "--force", "ghost"]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "");
});

test("--log-format json without --log: the error is one JSON line on stderr, --debug too", () => {
  for (const g of [["--log-format", "json"], ["--log-format=json", "--debug"]]) {
    const r = tsrun(["--root", root, ...g, "state", "ghost"]);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, "");
    const lines = r.stderr.split("\n");
    assert.equal(lines.pop(), "");
    assert.equal(lines.length, 1, r.stderr);
    const o = JSON.parse(lines[0]);
    assert.deepEqual(Object.keys(o), ["level", "msg", "time"]);
    assert.deepEqual([o.level, o.msg], ["error", "container does not exist"]);
  }
});

test("no arguments: the help on stdout, status 0; an unknown command: one line, non-zero", () => {
  const r = tsrun([]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Usage: tsrun /);
  assert.match(r.stdout, /\n {2}exec /);
  assert.equal(r.stderr, "");
  const u = tsrun(["--root", root, "frobnicate"]);
  assert.notEqual(u.status, 0);
  assert.ok(oneLineError(u), u.stderr);
  assert.match(u.stderr, /unknown command 'frobnicate'/);
  // asking for its help is no different (runc's "No help topic"), and the global help is not printed instead
  const hlp = tsrun(["--root", root, "frobnicate", "-h"]);
  assert.ok(oneLineError(hlp), hlp.stderr);
  assert.match(hlp.stderr, /No help topic for 'frobnicate'/);
  assert.equal(hlp.stdout, "");
  assert.equal(tsrun(["--root", root, "state", "-h"]).status, 0, "a real command's help still works");
});
