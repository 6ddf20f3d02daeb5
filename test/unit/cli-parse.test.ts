// argv parsing, built from one table (src/flags.ts): src/argv.ts must take the forms containerd
// and podman use (../shared/CLIENTS.md) and give exactly what commander (src/commander.ts) gives:
// the globals and the option object each command module gets. What it leaves to commander gets
// commander's errors. The error forms run through bin/tsrun, so the compiled executable is tested.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tsrun, oneLineError } from "../helpers/cli.js";
import { parse } from "../../src/commander.js";
import { parseArgv } from "../../src/argv.js";
import { scanLogFlags } from "../../src/log-flags.js";
import { GLOBAL_FLAGS, COMMAND_FLAGS } from "../../src/flags.js";

const tmp = mkdtempSync(join(tmpdir(), "tsrun-parse-"));
test.after(() => rmSync(tmp, { recursive: true, force: true }));
const root = join(tmp, "root");
/** parseArgv's call, checked against commander's for the same argv */
const p = async (argv: string[]) => {
  const c = await parse(argv, (line) => assert.fail(`${argv.join(" ")}: unexpected error: ${line}`));
  const d = parseArgv(argv);
  assert.ok(d, `parseArgv takes ${argv.join(" ")}`);
  assert.deepEqual(d, c, argv.join(" "));
  return d;
};

test("containerd's global flags and short commands", async () => {
  const c = await p(["--root", "/r/ns", "--log", "/b/log.json", "--log-format", "json", "delete", "--force", "c1"]);
  assert.deepEqual(c, { globals: { root: "/r/ns", log: "/b/log.json", logFormat: "json", rootless: "auto" }, command: "delete", args: ["c1", { force: true }] });
  assert.deepEqual((await p(["--root=/r", "kill", "--all", "c1", "9"]))?.args, ["c1", "9", { all: true }]);
  assert.deepEqual((await p(["kill", "c1"]))?.args, ["c1", "SIGTERM", {}]);
  assert.deepEqual((await p(["state", "c1"]))?.args, ["c1", {}]);
  assert.deepEqual((await p(["start", "c1"]))?.globals, { logFormat: "text", rootless: "auto" }, "no --root: the runtime picks /run/tsrun, or $XDG_RUNTIME_DIR/tsrun when rootless");
  const s = await p(["--root", "/r", "--log", "/l", "--log-format", "json", "--systemd-cgroup", "--criu", "/c", "kill", "c1", "15"]);
  assert.equal(s?.globals.systemdCgroup, true, "podman with cgroup_manager=systemd passes it to every call");
  assert.equal(s?.globals.criu, "/c");
});

test("create and run: the option object with every default", async () => {
  const c = await p(["--root", "/r", "create", "--bundle", "/b", "--pid-file=/p", "--console-socket", "/s", "--no-pivot", "c1"]);
  assert.deepEqual(c?.args, ["c1", { bundle: "/b", pidFile: "/p", consoleSocket: "/s", pivot: false, newKeyring: true, preserveFds: "0" }]);
  assert.deepEqual((await p(["create", "c1"]))?.args, ["c1", { bundle: ".", pivot: true, newKeyring: true, preserveFds: "0" }]);
  assert.deepEqual((await p(["run", "-d", "c2", "-b", "/b", "--no-subreaper", "--keep", "-t", "--preserve-fds", "2", "--no-new-keyring"]))?.args,
    ["c2", { bundle: "/b", pivot: true, newKeyring: false, preserveFds: "2", subreaper: false, detach: true, keep: true, tty: true }]);
});

test("conmon's create and exec with --log-format=json as one token", async () => {
  const c = await p(["--log-format=json", "--log", "/u/oci-log", "create", "--bundle", "/g", "--pid-file", "/u/pidfile", "id64"]);
  assert.deepEqual(c?.globals, { log: "/u/oci-log", logFormat: "json", rootless: "auto" });
  const e = await p(["--log-format=json", "--log", "/g/e/oci-log", "exec", "--pid-file", "/g/e/exec_pid", "--process", "/g/e/p.json", "--detach", "--tty", "--console-socket", "/tmp/t", "id64"]);
  assert.deepEqual(e?.args, ["id64", [], { newPrivs: true, preserveFds: "0", pidFile: "/g/e/exec_pid", process: "/g/e/p.json", detach: true, tty: true, consoleSocket: "/tmp/t" }]);
});

test("exec: containerd's form, and a command with its own flags after the id", async () => {
  assert.deepEqual((await p(["exec", "--process", "/p.json", "--console-socket", "/s", "--detach", "--pid-file", "/b/e.pid", "c1"]))?.args,
    ["c1", [], { newPrivs: true, preserveFds: "0", process: "/p.json", consoleSocket: "/s", detach: true, pidFile: "/b/e.pid" }]);
  assert.deepEqual((await p(["exec", "-e", "A=1", "--env=B=2", "-c", "CAP_KILL", "c1", "sh", "-c", "echo -e"]))?.args,
    ["c1", ["sh", "-c", "echo -e"], { newPrivs: true, preserveFds: "0", env: ["A=1", "B=2"], cap: ["CAP_KILL"] }]);
});

test("forms left to commander: parseArgv takes none of them, or gives what commander gives", async () => {
  for (const argv of [
    ["state", "--help"], ["--help"], ["-v"], ["--version"], [], ["--root"], ["--root", "-x", "state", "c"], ["--log-format", "xml", "state", "c1"],
    ["state"], ["state", "a", "b"], ["state", ""], ["delete", "c1", "--force"], ["kill", "c1", "9", "extra"], ["bogus"],
    ["create", "--bundle", "-x", "c1"], ["create", "-bx", "c1"], ["create", "--detach", "c1"], ["create", "--preserve-fds"],
    ["run", "--", "c1"], ["run", "--keep=1", "c1"], ["run", "-dt", "c1"], ["list", "-f", "yaml"], ["list", "--format=json"],
    ["exec", "c1", "--process", "/p"], ["exec", "c1", "--", "sh"], ["exec", "--env", "A=1", "-p", "/p", "c1"], ["exec", "-p", "c1"], ["exec"],
    ["ps", "c1", "-ef"], ["ps", "--format", "json", "c1"], ["update", "--memory=1g", "--cpu-shares", "2", "c1"], ["events", "--stats", "c1"],
    ["spec", "--rootless", "-b", "/b"], ["--rootless", "true", "features"], ["--debug", "list", "-q"], ["kill", "-a", "c1", "SIGKILL"],
  ]) {
    const d = parseArgv(argv);
    if (!d) continue;
    assert.deepEqual(d, await parse(argv, (line) => assert.fail(`${argv.join(" ")}: ${line}`)), argv.join(" "));
  }
});

test("scanLogFlags reads the global value flags from the one table", () => {
  assert.deepEqual(scanLogFlags(["--root", "--log", "--log", "/l", "--log-format=json", "--debug", "state", "--log", "x"]), { format: "json", debug: true, file: "/l" });
  assert.deepEqual(scanLogFlags(["--criu", "--debug", "kill"]), { format: "text", debug: false });
  const longs = [...GLOBAL_FLAGS, ...Object.values(COMMAND_FLAGS).flat()].map((f) => f.long);
  assert.ok(longs.includes("--systemd-cgroup") && longs.includes("--no-new-privs"));
});

test("errors are one line, exit 1, also in the JSON log; help and version exit 0", () => {
  const log = join(tmp, "log.json");
  const r = tsrun(["--root", root, "--log", log, "--log-format", "json", "state", "nope"]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, "container does not exist\n");
  assert.equal(JSON.parse(readFileSync(log, "utf8").trim()).msg, "container does not exist");
  const c = tsrun(["--root", root, "create", "--bundle", join(tmp, "no-bundle"), "c1"]);
  assert.equal(c.stderr, `bundle \`${join(tmp, "no-bundle")}\`: ENOENT\n`);
  assert.equal(tsrun(["--root", root, "kill", "nope", "9"]).stderr, "container does not exist\n");
  for (const argv of [["state"], ["state", "a", "b"], ["create", "--detach", "c1"], ["run", "--keep=1", "c1"], ["--log-format", "xml", "state", "c1"], ["bogus"]]) {
    const e = tsrun(["--root", root, ...argv]);
    assert.ok(oneLineError(e), `${argv.join(" ")}: ${e.status} ${JSON.stringify(e.stderr)}`);
  }
  const h = tsrun(["state", "--help"]);
  assert.equal(h.status, 0);
  assert.match(h.stdout, /Usage: tsrun state/);
  const v = tsrun(["--version"]);
  assert.equal(v.status, 0);
  assert.match(v.stdout.trim().split("\n")[3], /^(bun: \d+\.\d+\.\d+|node: v\d+\.\d+\.\d+)$/);
});

test("checkpoint and restore take podman's and conmon's argv as runc does", async () => {
  // podman 4.3's checkpoint (libpod) and conmon's restore (its runtime_args), replayed
  const ck = await p(["--root", "/run/r", "checkpoint", "--image-path", "/u/checkpoint", "--work-path", "/u", "--leave-running", "c1"]);
  assert.deepEqual(ck?.args, ["c1", { imagePath: "/u/checkpoint", workPath: "/u", leaveRunning: true }]);
  const rs = await p(["--root", "/run/r", "--log", "/u/log", "--log-format", "json", "restore", "--bundle", "/u", "--pid-file", "/u/pidfile",
    "--detach", "--image-path", "/u/checkpoint", "--work-path", "/u", "--tcp-established", "--file-locks", "c1"]);
  assert.deepEqual(rs?.args, ["c1", {
    bundle: "/u", pidFile: "/u/pidfile", detach: true, imagePath: "/u/checkpoint", workPath: "/u", tcpEstablished: true, fileLocks: true,
    subreaper: true, pivot: true, newKeyring: true,
  }]);
  assert.deepEqual((await p(["--criu", "/usr/sbin/criu", "checkpoint", "--empty-ns", "network", "--manage-cgroups-mode", "soft", "c1"]))?.args,
    ["c1", { emptyNs: ["network"], manageCgroupsMode: "soft" }]);
  assert.deepEqual((await p(["restore", "-d", "--no-pivot", "--no-subreaper", "c1"]))?.args[1], { bundle: ".", detach: true, pivot: false, subreaper: false, newKeyring: true });
});
