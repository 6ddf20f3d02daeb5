// containerd drives tsrun: `ctr run --runc-binary <tsrun>` through the io.containerd.runc.v2
// shim, on a private containerd (see harness/containerd.ts). Every scenario checks what a
// user of ctr sees: exit codes, output, errors, task status.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Containerd } from "./harness/containerd.js";
import { buildImage } from "./harness/image.js";
import { killStarted, sleep, until } from "./harness/proc.js";
import { inPty, inPtyBackground } from "./harness/pty.js";
import { requirePrograms } from "./harness/require.js";
import { tsrun } from "../helpers/cli.js";

const T = { timeout: 60_000 };
let c: Containerd;
let img: string;

before(async () => {
  assert.equal(process.getuid?.(), 0, "the e2e tier runs as root (it starts containerd)");
  requirePrograms("containerd", "ctr", "containerd-shim-runc-v2", "script");
  c = new Containerd();
  await c.start();
  img = buildImage(join(c.dir, "image.tar"));
  const r = await c.ctr(["images", "import", join(c.dir, "image.tar")]);
  assert.equal(r.code, 0, `ctr images import: ${r.stderr}`);
});

after(async () => {
  killStarted();
  await c?.stop();
});

/** `ctr run --rm` in the foreground with tsrun as the runc binary. */
const run = (id: string, args: string[], input?: string, flags: string[] = []) =>
  c.ctr(["run", "--rm", ...c.runtimeFlags, ...flags, img, id, ...args], { input });

/** A detached container that stays up until it is killed. */
async function detached(id: string, args = ["sleep", "1000"]): Promise<void> {
  const r = await c.ctr(["run", "-d", ...c.runtimeFlags, img, id, ...args]);
  assert.equal(r.code, 0, `ctr run -d: ${r.stderr}`);
  await until(`task ${id} RUNNING`, async () => /RUNNING/.test((await c.ctr(["task", "ls"])).stdout.split("\n").find((l) => l.startsWith(id + " ")) ?? ""));
  // and it is tsrun's container: its state, under the root the shim passed, says so
  const st = tsrun(["--root", join(c.runcRoot, c.ns), "state", id]);
  assert.equal(st.status, 0, `tsrun state ${id}: ${st.stderr}`);
  assert.equal(JSON.parse(st.stdout).status, "running");
}

async function remove(id: string): Promise<void> {
  await c.ctr(["task", "kill", "-a", "-s", "9", id]);
  await until(`task ${id} to stop`, async () => !/RUNNING|PAUSED/.test((await c.ctr(["task", "ls"])).stdout.split("\n").find((l) => l.startsWith(id + " ")) ?? ""));
  const rm = await c.ctr(["task", "rm", id]);
  assert.equal(rm.code, 0, `ctr task rm: ${rm.stderr}`);
  await c.ctr(["containers", "rm", id]);
  assertNoState(id);
}

/** tsrun keeps nothing of a deleted container under the --runc-root containerd gave it. */
function assertNoState(id: string): void {
  const root = join(c.runcRoot, c.ns);
  assert.ok(!existsSync(join(root, id)), `tsrun state of ${id} left in ${root}: ${existsSync(root) ? readdirSync(root).join(",") : ""}`);
}

test("run true: exit status 0, and nothing of the container is left", T, async () => {
  const id = c.id("true");
  const r = await run(id, ["true"]);
  assert.equal(r.code, 0, `ctr run: ${r.stderr}\n${c.daemonLog()}`);
  assert.equal(r.stdout, "");
  assertNoState(id);
  assert.ok(!(await c.ctr(["containers", "ls", "-q"])).stdout.split("\n").includes(id));
});

test("run with exit code 3: ctr exits 3", T, async () => {
  const r = await run(c.id("exit"), ["sh", "-c", "exit 3"]);
  assert.equal(r.code, 3, r.stderr);
});

test("stdout and stderr are captured, stdin reaches the container", T, async () => {
  const r = await run(c.id("out"), ["sh", "-c", 'echo to stdout; echo to stderr >&2; read line; echo "read: $line"'], "from stdin\n");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "to stdout\nread: from stdin\n");
  assert.match(r.stderr, /to stderr/);
});

test("the container gets stdio only: the shim's leaked fd 3 does not reach it", T, async () => {
  const r = await run(c.id("fds"), ["tsrun-testhelper", "fds"]);
  assert.equal(r.code, 0, r.stderr);
  const fds = r.stdout.trim().split("\n").map((l) => Number(l.split(" ")[0]));
  assert.deepEqual(fds, [0, 1, 2], `fds in the container:\n${r.stdout}`);
});

test("--env, --cwd, --read-only: the process sees its variable and directory, and cannot write to /", T, async () => {
  const r = await run(c.id("envcwd"), ["sh", "-c", 'echo "$FOO in $PWD as $(id -u)"; touch /x'], undefined, ["--env", "FOO=bar baz", "--cwd", "/tmp", "--read-only"]);
  assert.equal(r.stdout, "bar baz in /tmp as 0\n", r.stderr);
  assert.match(r.stderr, /touch: \/x: Read-only file system/);
  assert.equal(r.code, 1, "touch's failure is the exit code");
});

test("--null-io: the container writes to /dev/null without an error (stdio reopened read-write)", T, async () => {
  const id = c.id("nullio");
  const r = await run(id, ["sh", "-c", "echo hidden && echo hidden >&2 && exit 9"], undefined, ["--null-io"]);
  assert.equal(r.code, 9, `echo to the null stdio failed: ${r.stderr}`);
  assert.equal(r.stdout, "");
  assertNoState(id);
});

test("ctr task exec: output, exit code, stdin, and a clear error for a missing binary", T, async () => {
  const id = c.id("exec");
  await detached(id);
  try {
    const out = await c.ctr(["task", "exec", "--fifo-dir", c.fifoDir, "--exec-id", "e1", id, "echo", "hello from exec"]);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, "hello from exec\n");
    const code = await c.ctr(["task", "exec", "--fifo-dir", c.fifoDir, "--exec-id", "e2", id, "sh", "-c", "exit 5"]);
    assert.equal(code.code, 5, code.stderr);
    const stdin = await c.ctr(["task", "exec", "--fifo-dir", c.fifoDir, "--exec-id", "e3", id, "sh", "-c", 'read line; echo "read: $line"'], { input: "piped in\n" });
    assert.equal(stdin.code, 0, stdin.stderr);
    assert.equal(stdin.stdout, "read: piped in\n");
    const who = await c.ctr(["task", "exec", "--fifo-dir", c.fifoDir, "--exec-id", "e5", "--user", "65534", "--cwd", "/tmp", id, "sh", "-c", 'echo "$(id -u):$(id -g) in $PWD"']);
    assert.equal(who.code, 0, who.stderr);
    assert.equal(who.stdout, "65534:65534 in /tmp\n", "exec --user and --cwd");
    const missing = await c.ctr(["task", "exec", "--fifo-dir", c.fifoDir, "--exec-id", "e4", id, "/no/such/binary"]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /\/no\/such\/binary/, "the error names the missing binary");
    assert.match(missing.stderr, /no such file or directory|not found/i);
    assert.doesNotMatch(missing.stderr, /did not terminate successfully/, "tsrun's own message, from log.json, is shown");
    assert.match((await c.ctr(["task", "ls"])).stdout, new RegExp(`${id}\\s+\\d+\\s+RUNNING`), "a failed exec leaves the task running");
  } finally {
    await remove(id);
  }
});

test("kill: a trapped SIGTERM runs the container's handler and its exit code is reported", T, async () => {
  const id = c.id("term");
  const bg = c.ctrBackground(["run", "--rm", ...c.runtimeFlags, img, id, "sh", "-c",
    'trap "echo got TERM; exit 7" TERM; echo ready; while :; do sleep 0.1; done']);
  await bg.waitFor("ready\n");
  const k = await c.ctr(["task", "kill", id]);
  assert.equal(k.code, 0, k.stderr);
  const r = await bg.done;
  assert.equal(r.code, 7, r.stderr);
  assert.equal(r.stdout, "ready\ngot TERM\n");
  assertNoState(id);
});

test("kill -s SIGKILL by name, task rm reports 137; task rm -f removes a running task", T, async () => {
  const id = c.id("sigkill");
  await detached(id);
  const k = await c.ctr(["task", "kill", "-s", "SIGKILL", id]);
  assert.equal(k.code, 0, k.stderr);
  await until(`task ${id} STOPPED`, async () => /STOPPED/.test((await c.ctr(["task", "ls"])).stdout.split("\n").find((l) => l.startsWith(id + " ")) ?? ""));
  const again = await c.ctr(["task", "kill", "-s", "KILL", id]);
  assert.notEqual(again.code, 0, "a stopped task cannot be killed");
  assert.match(again.stderr, /process already finished/);
  const rm = await c.ctr(["task", "rm", id]);
  assert.equal(rm.code, 0, rm.stderr);
  assert.match(rm.stderr, /exit code 137/);
  await c.ctr(["containers", "rm", id]);
  assertNoState(id);

  const id2 = c.id("rmf");
  await detached(id2);
  const busy = await c.ctr(["task", "rm", id2]);
  assert.notEqual(busy.code, 0);
  assert.match(busy.stderr, /task must be stopped before deletion/);
  const rmf = await c.ctr(["task", "rm", "-f", id2]);
  assert.equal(rmf.code, 0, rmf.stderr);
  assert.doesNotMatch((await c.ctr(["task", "ls"])).stdout, new RegExp(`^${id2} `, "m"));
  await c.ctr(["containers", "rm", id2]);
  assertNoState(id2);
});

test("kill --all: every process in the container gets the signal, not only init", T, async () => {
  const id = c.id("killall");
  // init is pid 1 of its namespace with no handler: SIGTERM to it alone does nothing
  const bg = c.ctrBackground(["run", "--rm", ...c.runtimeFlags, img, id, "sh", "-c",
    "sleep 1000 & sleep 1000 & echo ready; wait; echo children ended"]);
  await bg.waitFor("ready\n");
  const k = await c.ctr(["task", "kill", "--all", "--signal", "SIGTERM", id]);
  assert.equal(k.code, 0, k.stderr);
  const r = await bg.done;
  assert.equal(r.stdout, "ready\nchildren ended\n", r.stderr);
  assert.equal(r.code, 0);
});

test("pause, ps, resume: a paused task stops making progress, ps lists its pids, resume goes on", T, async () => {
  const id = c.id("pause");
  const bg = c.ctrBackground(["run", "--rm", ...c.runtimeFlags, img, id, "sh", "-c",
    "i=0; while :; do i=$((i+1)); echo $i; sleep 0.05; done"]);
  try {
    await bg.waitFor("3\n");
    const p = await c.ctr(["task", "pause", id]);
    assert.equal(p.code, 0, p.stderr);
    assert.match((await c.ctr(["task", "ls"])).stdout, new RegExp(`${id}\\s+\\d+\\s+PAUSED`));
    const ps = await c.ctr(["task", "ps", id]);
    assert.equal(ps.code, 0, ps.stderr);
    const pids = ps.stdout.trim().split("\n").slice(1).map((l) => Number(l.trim().split(/\s+/)[0]));
    assert.ok(pids.length >= 1 && pids.every((n) => n > 0), `ctr task ps lists the container's pids:\n${ps.stdout}`);
    const frozenAt = bg.stdout;
    await sleep(400);
    assert.equal(bg.stdout, frozenAt, "no output while paused");
    const res = await c.ctr(["task", "resume", id]);
    assert.equal(res.code, 0, res.stderr);
    assert.match((await c.ctr(["task", "ls"])).stdout, new RegExp(`${id}\\s+\\d+\\s+RUNNING`));
    await until("output after resume", () => bg.stdout.length > frozenAt.length);
  } finally {
    await c.ctr(["task", "kill", "-s", "9", id]);
    await bg.done;
  }
  assertNoState(id);
});

test("a create that fails (bad mount): containerd shows tsrun's error message and keeps nothing", T, async () => {
  const id = c.id("badmount");
  const src = `/nonexistent-tsrun-e2e-${process.pid}`;
  const r = await run(id, ["true"], undefined, ["--mount", `type=bind,src=${src},dst=/x,options=rbind:ro`]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /OCI runtime create failed: /, r.stderr);
  assert.ok(r.stderr.includes(src), `the message names the missing source: ${r.stderr}`);
  assert.match(r.stderr, /ENOENT|no such file/i);
  assert.doesNotMatch(r.stderr, /unable to retrieve OCI runtime error|did not terminate successfully/);
  assertNoState(id);
  await c.ctr(["containers", "rm", id]);
});

test("run -t: the container has a terminal; what is typed is echoed and read; the exit code comes back", T, async () => {
  const id = c.id("tty");
  const bg = inPtyBackground(c.ctrLine(["run", "--rm", "-t", ...c.runtimeFlags, img, id, "sh", "-c", 'tty; echo ready; read l; echo "got $l"; exit 4']));
  await bg.waitFor("ready");
  bg.type("typed line\r");
  const r = await bg.done;
  assert.equal(r.code, 4, r.stdout + r.stderr);
  // the container's pty turns \n into \r\n, and so does script's outer pty: as with runc
  assert.match(r.stdout, /\/dev\/pts\/\d+\r+\n/);
  assert.match(r.stdout, /ready\r+\ntyped line\r+\n/, "the container's terminal echoes what is typed");
  assert.match(r.stdout, /got typed line\r+\n/, "and the shell in the container reads it");
  assertNoState(id);
});

test("exec -t: the exec'd process gets its own terminal", T, async () => {
  const id = c.id("exectty");
  await detached(id);
  try {
    const r = await inPty(c.ctrLine(["task", "exec", "-t", "--fifo-dir", c.fifoDir, "--exec-id", "t1", id, "sh", "-c", "tty; echo exec tty"]));
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /\/dev\/pts\/\d+\r+\n/);
    assert.match(r.stdout, /exec tty\r+\n/);
  } finally {
    await remove(id);
  }
});
