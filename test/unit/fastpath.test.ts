// The commander-free fast path (src/fastpath.ts) takes only the exact forms containerd and
// podman use; everything else must reach commander so help, errors and other flags behave
// as before. Run through bin/tsrun, so the bundle is what is tested.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tsrun } from "../helpers/cli.js";
import { parseFast } from "../../src/fastpath.js";

const tmp = mkdtempSync(join(tmpdir(), "tsrun-fast-"));
test.after(() => rmSync(tmp, { recursive: true, force: true }));
const root = join(tmp, "root");

test("containerd's and podman's argument forms take the fast path, with their global flags", () => {
  const f = parseFast(["--root", "/r", "--log", "/l.json", "--log-format", "json", "delete", "--force", "c1"]);
  assert.deepEqual(f && { root: f.root, log: f.log, logFormat: f.logFormat }, { root: "/r", log: "/l.json", logFormat: "json" });
  assert.ok(parseFast(["state", "c1"]));
  assert.ok(parseFast(["--root=/r", "kill", "--all", "c1", "9"]));
  assert.ok(parseFast(["start", "c1"]));
  assert.ok(parseFast(["--systemd-cgroup", "kill", "c1", "9"]), "podman with cgroup_manager=systemd passes it to every call");
});

test("help, unknown flags and other commands are left to commander", () => {
  for (const argv of [
    ["state", "--help"], ["state"], ["state", "a", "b"], ["delete", "c1", "--force"],
    ["kill", "c1", "9", "extra"], ["--log-format", "xml", "state", "c1"], ["--root"], [],
    ["create"], ["create", "a", "b"], ["create", "--bundle", "-x", "c1"], ["create", "-bx", "c1"], ["create", "--detach", "c1"],
    ["exec", "c1", "--process", "/p"], ["exec", "c1", "sh"], ["exec", "--env", "A=1", "-p", "/p", "c1"], ["exec", "-p", "c1"], ["exec"],
    ["run", "--", "c1"], ["run", "--keep=1", "c1"], ["create", "--preserve-fds"], ["run", "--help"],
  ]) assert.equal(parseFast(argv), undefined, argv.join(" "));
});

test("create and run take the fast path with the option object commander would give", () => {
  const f = parseFast(["--root", "/r", "create", "--bundle", "/b", "--pid-file=/p", "--console-socket", "/s", "--no-pivot", "c1"]);
  assert.deepEqual(f?.args, ["c1", { bundle: "/b", pidFile: "/p", consoleSocket: "/s", pivot: false, newKeyring: true, preserveFds: "0" }]);
  assert.deepEqual(parseFast(["create", "c1"])?.args, ["c1", { bundle: ".", pivot: true, newKeyring: true, preserveFds: "0" }]);
  assert.deepEqual(parseFast(["run", "-d", "c2", "-b", "/b", "--no-subreaper", "--keep", "-t", "--preserve-fds", "2", "--no-new-keyring"])?.args,
    ["c2", { bundle: "/b", pivot: true, newKeyring: false, preserveFds: "2", subreaper: false, detach: true, keep: true, tty: true }]);
});

test("exec with containerd's flags takes the fast path with commander's option object", () => {
  assert.deepEqual(parseFast(["exec", "--process", "/p.json", "--pid-file=/pid", "-d", "--console-socket", "/s", "c1"])?.args,
    ["c1", { newPrivs: true, preserveFds: "0", process: "/p.json", pidFile: "/pid", detach: true, consoleSocket: "/s" }]);
  assert.deepEqual(parseFast(["exec", "-p", "/p", "c1"])?.args, ["c1", { newPrivs: true, preserveFds: "0", process: "/p" }]);
});

test("fast-path errors look like commander-path errors: one line, exit 1, and in the JSON log", () => {
  const log = join(tmp, "log.json");
  const r = tsrun(["--root", root, "--log", log, "--log-format", "json", "state", "nope"]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, "container does not exist\n");
  assert.equal(JSON.parse(readFileSync(log, "utf8").trim()).msg, "container does not exist");
  const c = tsrun(["--root", root, "create", "--bundle", join(tmp, "no-bundle"), "c1"]);
  assert.equal(c.status, 1);
  assert.equal(c.stderr, `bundle \`${join(tmp, "no-bundle")}\`: ENOENT\n`);
  const k = tsrun(["--root", root, "kill", "nope", "9"]);
  assert.equal(k.status, 1);
  assert.equal(k.stderr, "container does not exist\n");
});

test("`state --help` still prints commander's help", () => {
  const r = tsrun(["state", "--help"]);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /Usage: tsrun state/);
});
