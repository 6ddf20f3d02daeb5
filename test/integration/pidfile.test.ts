// --pid-file in a directory another user can write to (issue 13, finding 5): a symlink planted at
// the temporary name tsrun used to use (`<pidfile>.tsrun-<pid>`, runc's `.<name>`) or at the
// pid file itself must never make root write through it. Sentinel files stand for the host files.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { symlinkSync, mkdirSync, writeFileSync, readFileSync, lstatSync, readdirSync, chmodSync, existsSync } from "node:fs";
import { join } from "node:path";
import { Harness, requireRoot } from "../helpers/harness.js";
import { oneLineError } from "../helpers/cli.js";

const H = "/bin/tsrun-testhelper";
const SENTINEL_TEXT = "secret: do not overwrite\n";
/** how many pids past the last one handed out get a planted link at the old `.tsrun-<pid>` name */
const PLANTED_PIDS = 3000;

let h: Harness;
before(() => { requireRoot(); h = new Harness(); });
after(() => h.cleanup());

/** A world-writable sticky dir (like /tmp) holding links an attacker planted for `pidFile`. */
function plant(name: string): { dir: string; pidFile: string; sentinels: string[] } {
  const dir = join(h.tmp, `shared-${name}`);
  mkdirSync(dir);
  chmodSync(dir, 0o1777);
  const pidFile = join(dir, `${name}.pid`);
  const sentinels: string[] = [];
  const sentinel = (tag: string): string => {
    const f = join(h.tmp, `sentinel-${name}-${tag}`);
    writeFileSync(f, SENTINEL_TEXT, { mode: 0o600 });
    sentinels.push(f);
    return f;
  };
  const next = Number(readFileSync("/proc/sys/kernel/ns_last_pid", "utf8"));
  const viaPid = sentinel("pid");
  for (let p = next + 1; p <= next + PLANTED_PIDS; p++) symlinkSync(viaPid, `${pidFile}.tsrun-${p}`);
  symlinkSync(sentinel("dot"), join(dir, `.${name}.pid`));
  symlinkSync(sentinel("target"), pidFile);
  return { dir, pidFile, sentinels };
}

function assertSafe(p: { dir: string; pidFile: string; sentinels: string[] }, pid: number): void {
  for (const s of p.sentinels) assert.equal(readFileSync(s, "utf8"), SENTINEL_TEXT, `${s} was written through a planted link`);
  const st = lstatSync(p.pidFile);
  assert.ok(st.isFile(), "the pid file is a regular file now, not the planted link");
  assert.equal(st.mode & 0o777, 0o644, "the pid file is 0644, as runc's");
  assert.equal(readFileSync(p.pidFile, "utf8"), String(pid), "the pid file holds the pid");
  const strays = readdirSync(p.dir).filter((n) => !n.endsWith(".pid") && !/\.pid\.tsrun-\d+$/.test(n));
  assert.deepEqual(strays, [], "no temporary file is left next to the pid file");
}

test("create --pid-file: links planted at the old temporary names and at the pid file are not followed", () => {
  const p = plant("init");
  const id = h.id();
  h.ok(["create", "--bundle", h.bundle({ process: { args: [H, "pause"] } }), "--pid-file", p.pidFile, id]);
  assertSafe(p, h.state(id).pid);
  h.ok(["delete", "--force", id]);
  h.assertGone(id);
});

test("exec -d --pid-file: links planted at the old temporary names and at the pid file are not followed", () => {
  const id = h.id();
  h.ok(["run", "-d", "--bundle", h.bundle({ process: { args: [H, "pause"] } }), id]);
  const p = plant("exec");
  h.ok(["exec", "-d", "--pid-file", p.pidFile, id, H, "pause"]);
  const pid = Number(readFileSync(p.pidFile, "utf8"));
  assert.match(readFileSync(`/proc/${pid}/cmdline`, "utf8"), /tsrun-testhelper\0pause/, "the pid file names the exec'd process");
  assertSafe(p, pid);
  h.ok(["delete", "--force", id]);
  h.assertGone(id);
});

test("a pid file in a directory that does not exist: one line, and no container is left", () => {
  const id = h.id();
  const missing = join(h.tmp, "no-such-dir", "init.pid");
  const r = h.run(["create", "--bundle", h.bundle({ process: { args: [H, "pause"] } }), "--pid-file", missing, id]);
  assert.ok(oneLineError(r), r.stderr);
  assert.match(r.stderr, new RegExp(`pid file \`${missing}\`: ENOENT`));
  assert.ok(!existsSync(join(h.tmp, "no-such-dir")), "the directory was not made");
  assert.equal(h.run(["state", id]).status, 1, "state does not know the container");
  h.assertGone(id);

  const id2 = h.id();
  h.ok(["run", "-d", "--bundle", h.bundle({ process: { args: [H, "pause"] } }), id2]);
  const before = h.ok(["ps", "-f", "json", id2]).stdout;
  const e = h.run(["exec", "-d", "--pid-file", missing, id2, H, "pause"]);
  assert.ok(oneLineError(e), e.stderr);
  assert.match(e.stderr, new RegExp(`pid file \`${missing}\`: ENOENT`));
  let now = "";
  for (let i = 0; i < 200 && (now = h.ok(["ps", "-f", "json", id2]).stdout) !== before; i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
  assert.equal(now, before, "the exec'd process does not stay in the container");
  h.ok(["delete", "--force", id2]);
  h.assertGone(id2);
});
