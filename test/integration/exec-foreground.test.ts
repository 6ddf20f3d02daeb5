// Foreground run (and exec): signal forwarding, --keep, -d, --preserve-fds and socket activation.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { openSync, closeSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Harness, requireRoot } from "../helpers/harness.js";
import { TSRUN } from "../helpers/cli.js";

const H = "/bin/tsrun-testhelper";
let h: Harness;
before(() => { requireRoot(); h = new Harness(); });
after(() => h.cleanup());

/** Start tsrun in the background; resolves when its stdout has shown `marker`. */
function background(args: string[]): { child: ReturnType<typeof spawn>; seen: (marker: string) => Promise<void>; done: Promise<{ code: number; out: string }> } {
  const child = spawn(TSRUN, ["--root", h.root, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const waiters: Array<() => void> = [];
  const onData = (d: Buffer): void => { out += d; waiters.splice(0).forEach((w) => w()); };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  // exit, then the pipes' close (bounded: a process left behind would hold them open)
  const closed = new Promise<void>((res) => child.on("close", () => res()));
  const done = new Promise<{ code: number; out: string }>((res) => child.on("exit", (c) => {
    void Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]).then(() => res({ code: c ?? -1, out }));
  }));
  const seen = async (marker: string): Promise<void> => {
    while (!out.includes(marker)) {
      const more = new Promise<void>((r) => waiters.push(r));
      const ended = done.then(() => { throw new Error(`exited before "${marker}": ${out}`); });
      await Promise.race([more, ended]);
    }
  };
  return { child, seen, done };
}

test("run: SIGTERM to tsrun reaches a trap inside, and the container is deleted", async () => {
  const id = h.id("sig");
  const b = h.bundle({ process: { args: [H, "trap", "TERM"] } });
  const r = background(["run", "--bundle", b, id]);
  await r.seen("ready\n");
  r.child.kill("SIGTERM");
  const { code, out } = await r.done;
  assert.equal(out, "ready\ngot SIGTERM\n");
  assert.equal(code, 0, "the trap exits 0, and so does tsrun");
  h.assertGone(id);
});

test("exec: SIGTERM to tsrun reaches the exec'd process", async () => {
  const id = h.id("esig");
  h.ok(["run", "-d", "--bundle", h.bundle({ process: { args: [H, "pause"] } }), id]);
  const r = background(["exec", id, H, "trap", "TERM"]);
  await r.seen("ready\n");
  r.child.kill("SIGTERM");
  const { code, out } = await r.done;
  assert.equal(out, "ready\ngot SIGTERM\n");
  assert.equal(code, 0);
  h.ok(["delete", "--force", id]);
});

test("run --keep leaves the stopped container; run -d leaves it running; exit statuses pass through", () => {
  const id = h.id("keep");
  const r = h.run(["run", "--keep", "--bundle", h.bundle({ process: { args: [H, "exit", "9"] } }), id]);
  assert.equal(r.status, 9);
  assert.equal(h.state(id).status, "stopped");
  h.ok(["delete", id]);
  h.assertGone(id);
  const d = h.id("det");
  const rd = h.run(["run", "-d", "--bundle", h.bundle({ process: { args: [H, "pause"] } }), d]);
  assert.equal(rd.status, 0, rd.stderr);
  assert.equal(h.state(d).status, "running");
  h.ok(["kill", d, "KILL"]);
  h.ok(["delete", "--force", d]);
  h.assertGone(d);
});

test("run --preserve-fds 2 passes exactly fds 3 and 4; LISTEN_FDS is rewritten for the container", () => {
  const extra = [openSync("/etc/hostname", "r"), openSync("/etc/hostname", "r"), openSync("/etc/hostname", "r")];
  try {
    const go = (cmd: string[], extraArgs: string[], env: NodeJS.ProcessEnv = process.env, viaShell = false): string => {
      const o = join(h.tmp, "run.out");
      const fd = openSync(o, "w");
      const args = ["--root", h.root, "run", ...extraArgs, "--bundle", h.bundle({ process: { args: [H, ...cmd] } }), h.id("fds")];
      // LISTEN_PID must be tsrun's own pid: a shell that execs tsrun keeps its pid
      const r = viaShell
        ? spawnSync("sh", ["-c", `export LISTEN_PID=$$; exec "$0" "$@"`, TSRUN, ...args], { stdio: ["ignore", fd, "pipe", ...extra], env, timeout: 30_000 })
        : spawnSync(TSRUN, args, { stdio: ["ignore", fd, "pipe", ...extra], env, timeout: 30_000 });
      closeSync(fd);
      assert.equal(r.status, 0, String(r.stderr));
      return readFileSync(o, "utf8");
    };
    const fds = (s: string): string[] => s.trim().split("\n").map((l) => l.split(" -> ")[0]);
    assert.deepEqual(fds(go(["fds"], [])), ["0", "1", "2"]);
    assert.deepEqual(fds(go(["fds"], ["--preserve-fds", "2"])), ["0", "1", "2", "3", "4"]);
    const env = { ...process.env, LISTEN_FDS: "1" };
    assert.deepEqual(fds(go(["fds"], ["--preserve-fds", "1"], env, true)), ["0", "1", "2", "3", "4"], "1 listen fd + 1 preserved");
    const envOut = go(["printenv"], [], env, true);
    assert.match(envOut, /^LISTEN_FDS=1$/m);
    assert.match(envOut, /^LISTEN_PID=1$/m, "the container's process is pid 1");
    const other = go(["fds"], [], { ...process.env, LISTEN_FDS: "1", LISTEN_PID: "1" });
    assert.deepEqual(fds(other), ["0", "1", "2"], "LISTEN_FDS meant for another process is ignored");
  } finally {
    for (const fd of extra) closeSync(fd);
  }
});
