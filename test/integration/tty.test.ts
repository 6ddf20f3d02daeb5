// Terminals: a pty made inside the container, handed to a console-socket receiver or proxied by tsrun.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Harness, requireRoot } from "../helpers/harness.js";
import { oneLineError, TSRUN } from "../helpers/cli.js";
import { repoRoot } from "../helpers/rootfs.js";

const RECV = join(repoRoot, "native", "build", "tsrun-console-recv");
let h: Harness;
let n = 0;
before(() => { requireRoot(); h = new Harness(); });
after(() => h.cleanup());

/** Start the console-socket receiver; resolves once it listens. */
async function receiver(input: string): Promise<{ path: string; output: Promise<string> }> {
  const path = join(h.tmp, `console-${n++}.sock`);
  const child = spawn(RECV, [path, input], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => { out += d; });
  child.stderr.on("data", (d) => { out += d; });
  const output = new Promise<string>((res) => child.on("close", () => res(out)));
  for (let i = 0; i < 500 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(existsSync(path), "the receiver listens");
  return { path, output };
}

/** Run a command under script(1), i.e. with a real terminal as stdin/stdout. */
function underPty(cmd: string, input: string): { status: number; out: string } {
  const r = spawnSync("script", ["-qec", cmd, "/dev/null"], { input, encoding: "utf8", timeout: 30_000 });
  return { status: r.status ?? -1, out: r.stdout + r.stderr };
}

const busybox = { busybox: true };

test("exec with podman's argument order: the receiver gets a working pty made inside the container", async () => {
  const id = h.id("tty");
  h.ok(["run", "-d", "--bundle", h.bundle({ process: { args: ["/bin/sleep", "1000"] } }, busybox), id]);
  const rc = await receiver("echo $((6*7))-done; tty; stty size; readlink /proc/self/fd/0; exit\n");
  const proc = JSON.parse(readFileSync(join(repoRoot, "spec-fixtures/clients/podman-exec-process.json"), "utf8"));
  Object.assign(proc, { args: ["/bin/sh"], terminal: true, consoleSize: { height: 33, width: 111 } });
  const pf = join(h.tmp, "p.json");
  writeFileSync(pf, JSON.stringify(proc));
  const pidFile = join(h.tmp, "exec.pid");
  h.ok(["exec", "--pid-file", pidFile, "--process", pf, "--detach", "--tty", "--console-socket", rc.path, id]);
  assert.match(readFileSync(pidFile, "utf8"), /^\d+$/);
  const out = (await rc.output).replace(/\r/g, "");
  const name = /^name=(.*)$/m.exec(out)?.[1];
  assert.match(name ?? "", /^\/dev\/pts\/\d+$/, `one message naming the pty: ${out}`);
  assert.match(out, /^size=33 111$/m, "consoleSize is applied");
  assert.match(out, /^42-done$/m, "the shell ran the input");
  assert.match(out, new RegExp(`^${name}\\n33 111\\n${name}$`, "m"), "the slave is the shell's terminal and stdin");
  h.ok(["delete", "--force", id]);
});

test("create with containerd's argument order and a console socket: init's terminal", async () => {
  const id = h.id("ctty");
  const b = h.bundle({ process: { args: ["/bin/sh"], terminal: true } }, busybox);
  const rc = await receiver("echo init-$$-$((2+3)); exit 3\n");
  const pidFile = join(h.tmp, "init.pid");
  h.ok(["create", "--bundle", b, "--pid-file", pidFile, "--console-socket", rc.path, id]);
  h.ok(["start", id]);
  const out = (await rc.output).replace(/\r/g, "");
  assert.match(out, /^init-1-5$/m, "pid 1 runs the shell on the pty");
  h.ok(["delete", "--force", id]);
  h.assertGone(id);
});

test("a terminal without a console socket: create and exec --detach refuse in runc's words, naming tsrun", () => {
  const id = h.id("notty");
  const r = h.run(["create", "--bundle", h.bundle({ process: { args: ["/bin/sh"], terminal: true } }, busybox), id]);
  assert.ok(oneLineError(r), r.stderr);
  assert.match(r.stderr, /cannot allocate tty if tsrun will detach without setting console socket/);
  h.assertGone(id);
  const id2 = h.id("notty");
  h.ok(["run", "-d", "--bundle", h.bundle({ process: { args: ["/bin/sleep", "1000"] } }, busybox), id2]);
  const e = h.run(["exec", "-t", "-d", id2, "sh"]);
  assert.ok(oneLineError(e), e.stderr);
  assert.match(e.stderr, /cannot allocate tty/);
  h.ok(["delete", "--force", id2]);
});

test("run -t under a pty: a terminal session, input echoes, the exit status comes through", () => {
  const id = h.id("runt");
  const b = h.bundle({ process: { args: ["/bin/sh"] } }, busybox);
  const r = underPty(`${TSRUN} --root ${h.root} run -t --bundle ${b} ${id}`, "tty; echo sum=$((40+2)); exit 5\n");
  assert.equal(r.status, 5, r.out);
  const out = r.out.replace(/\r/g, "");
  assert.match(out, /^\/dev\/pts\/\d+$/m, "the shell's stdin is a pty inside the container");
  assert.match(out, /^sum=42$/m);
  assert.match(out, /echo sum=\$\(\(40\+2\)\)/, "the terminal echoes the input");
  h.assertGone(id);
});

test("exec -t without a console socket proxies the pty; the exit status comes through", () => {
  const id = h.id("exect");
  h.ok(["run", "-d", "--bundle", h.bundle({ process: { args: ["/bin/sleep", "1000"] } }, busybox), id]);
  const r = underPty(`${TSRUN} --root ${h.root} exec -t ${id} sh`, "tty; readlink /proc/self/cwd; exit 6\n");
  assert.equal(r.status, 6, r.out);
  const out = r.out.replace(/\r/g, "");
  assert.match(out, /^\/dev\/pts\/\d+\n\/$/m, "a pty inside the container, and the container's / as cwd");
  const f = underPty(`${TSRUN} --root ${h.root} exec -t ${id} /bin/tsrun-testhelper fds`, "");
  assert.equal(f.status, 0, f.out);
  // (script puts its own EOF on the line: it echoes as "^@", before the output or, under load, after it)
  const fds = f.out.replace(/\r/g, "").trim().split("\n").filter((l) => !/^(\^.)+$/.test(l));
  assert.equal(fds.length, 3, `only the pty's three fds: ${fds}`);
  fds.forEach((l, i) => assert.match(l, new RegExp(`(^|\\^.)${i} -> /dev/pts/\\d+$`)));
  // the window size: ours from the start, and on SIGWINCH (the inner shell waits for the change)
  const marker = `winch-${process.pid}`;
  const inner = `: ${marker}; stty size; while [ "$(stty size)" != "50 120" ]; do sleep 0.05; done; stty size`;
  const w = underPty(`stty rows 40 cols 100; ${TSRUN} --root ${h.root} exec -t ${id} sh -c '${inner}' & ` +
    `while ! pgrep -f '^sh -c : ${marker}' >/dev/null; do sleep 0.05; done; stty rows 50 cols 120; wait`, "");
  assert.match(w.out.replace(/\r/g, ""), /^40 100\n50 120$/m, w.out);
  // piped input (stdin not a tty): EOF reaches the shell as the terminal's EOF
  const p = spawnSync(TSRUN, ["--root", h.root, "exec", "-t", id, "sh", "-c", "cat; exit 4"], { input: "piped\n", encoding: "utf8", timeout: 30_000 });
  assert.equal(p.status, 4, p.stderr);
  assert.match(p.stdout.replace(/\r/g, ""), /piped/);
  h.ok(["delete", "--force", id]);
});

test("run -t and exec -t: the pty belongs to the process's uid, group tty (5), as runc's", () => {
  const id = h.id("ttyown");
  const b = h.bundle({ root: { readonly: false }, process: { args: ["/bin/sh"], user: { uid: 1000, gid: 1000 } } }, busybox);
  const own = 'stat -c "owner=%u:%g" $(tty); ';
  const r = underPty(`${TSRUN} --root ${h.root} run -t --bundle ${b} ${id}`, `${own}exit 0\n`);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out.replace(/\r/g, ""), /^owner=1000:5$/m, r.out);
  h.assertGone(id);
  const id2 = h.id("ttyown");
  h.ok(["run", "-d", "--bundle", h.bundle({ process: { args: ["/bin/sleep", "1000"], user: { uid: 1000, gid: 1000 } } }, busybox), id2]);
  const e = underPty(`${TSRUN} --root ${h.root} exec -t --user 2000:2000 ${id2} sh`, `${own}exit 0\n`);
  assert.equal(e.status, 0, e.out);
  assert.match(e.out.replace(/\r/g, ""), /^owner=2000:5$/m, e.out);
  h.ok(["delete", "--force", id2]);
  h.assertGone(id2);
});
