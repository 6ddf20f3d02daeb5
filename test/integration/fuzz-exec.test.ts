// Fuzzing exec: seeded mutations of the clients' exec process.json files (`exec --process FILE`) and bad
// exec command lines, against one running container. Every case exits 1 with one line (or, still valid,
// runs detached), with no stack trace and no hang; afterwards the container still works and
// delete --force leaves nothing. TSRUN_FUZZ_CASES=N / TSRUN_FUZZ_SEED=S as in fuzz.test.ts.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { Harness, requireRoot } from "../helpers/harness.js";
import { oneLineError } from "../helpers/cli.js";
import { tsrunAsync, pool, type AsyncResult } from "../helpers/acli.js";
import { repoRoot } from "../helpers/rootfs.js";
import { rng, mutate } from "../helpers/fuzz.js";
import { processesMatching, markEnv, mounts } from "../helpers/leftovers.js";
import { loadProcess } from "../../src/spec/load.js";
import { TsrunError } from "../../src/errors.js";

const CASES = Math.ceil(Number(process.env.TSRUN_FUZZ_CASES ?? 120) / 2);
const SEED = Number(process.env.TSRUN_FUZZ_SEED ?? 9);
const CLI_SAMPLE = Number(process.env.TSRUN_FUZZ_CLI_SAMPLE ?? (process.env.TSRUN_FUZZ_CASES ? 1 : 6));
const H = "/bin/tsrun-testhelper";

let h: Harness;
let id: string;
before(async () => {
  requireRoot();
  h = new Harness();
  id = h.id("fzx");
  const b = h.bundle({ process: { args: [H, "pause"], env: ["PATH=/bin", markEnv(id)] } }, { busybox: true });
  const r = await tsrunAsync(["--root", h.root, "run", "-d", "--bundle", b, id]);
  assert.equal(r.status, 0, r.stderr);
});
after(() => h.cleanup());

// from our tmp dir: a relative --pid-file or --process lands there, not in the caller's tree
const call = (args: string[]) => tsrunAsync(["--root", h.root, ...args], { timeoutMs: 30_000, env: { ...process.env, TSRUN_TEST_MARK: id }, cwd: h.tmp });

function assertOneLine(what: string, r: AsyncResult, status?: number): void {
  assert.ok(!r.timedOut, `${what}: hung`);
  assert.ok(oneLineError(r, status), `${what}: status ${r.status}, stderr ${JSON.stringify(r.stderr.slice(0, 300))}`);
}

async function stillWorks(what: string): Promise<void> {
  const s = await call(["state", id]);
  assert.match(s.stdout, /"status": "running"/, `${what}: state ${s.stderr}`);
  const e = await call(["exec", id, H, "echo", "ok"]);
  assert.equal(e.stdout, "ok\n", `${what}: exec after: ${e.stderr}`);
}

test(`${CASES} mutated exec process.json files (seed ${SEED}): one-line exit 255, or the process runs`, async (t) => {
  const fx = ["containerd-exec-process.json", "podman-exec-process.json"].map((f) => JSON.parse(readFileSync(join(repoRoot, "spec-fixtures/clients", f), "utf8")));
  const r = rng(SEED);
  const dir = join(h.tmp, "px");
  mkdirSync(dir);
  const viaCli: Array<{ name: string; file: string }> = [];
  let refused = 0;
  for (let i = 0; i < CASES; i++) {
    const c = mutate(fx[Math.floor(r() * fx.length)], r);
    const name = `#${i}: ${c.name}`;
    const file = join(dir, `p${i}.json`);
    writeFileSync(file, c.bytes);
    try { loadProcess(file); } catch (e) {
      if (!(e instanceof TsrunError)) assert.fail(`${name}: parsing threw ${(e as Error)?.constructor?.name}: ${String((e as Error)?.message).slice(0, 200)}`);
      assert.ok(!/\n/.test(e.message) && e.message.length > 0, `${name}: multi-line error`);
      refused++;
    }
    if (i % CLI_SAMPLE === 0) viaCli.push({ name, file });
  }
  let ran = 0;
  await pool(viaCli, 3, async ({ name, file }, i) => {
    // containerd's order; a still-valid process with terminal: true needs a console socket: one line too
    const res = await call(["exec", "--process", file, "--detach", "--pid-file", join(dir, `p${i}.pid`), id]);
    if (res.status === 0) ran++;
    else assertOneLine(name, res);
  });
  t.diagnostic(`${CASES} cases, ${refused} refused by the parser, ${viaCli.length} through tsrun exec (${ran} ran)`);
  await stillWorks("after the process.json cases");
});

test("bad exec command lines: exit 255 (runc's exec failure; 1 for a usage error), one line, the container untouched", async () => {
  const dirArg = h.tmp;
  const empty = join(h.tmp, "empty.json");
  writeFileSync(empty, "");
  const cases: string[][] = [
    ["exec"], ["exec", id], ["exec", "nope-" + process.pid, "true"], ["exec", "a/b", "true"], ["exec", "..", "true"], ["exec", "x".repeat(100_000), "true"],
    ["exec", "--user", "-1", id, "true"], ["exec", "--user", "root", id, "true"], ["exec", "--user", "1:x", id, "true"], ["exec", "-u", "99999999999", id, "true"],
    ["exec", "--additional-gids", "x", id, "true"], ["exec", "--cwd", "relative", id, "true"], ["exec", "--cwd", "/no/such/dir", id, "true"],
    ["exec", "--cap", "CAP_NOPE", id, "true"], ["exec", "--process", "/nonexistent.json", id], ["exec", "--process", "/dev/null", id],
    ["exec", "--process", dirArg, id], ["exec", "--process", empty, id], ["exec", "--preserve-fds", "-1", id, "true"], ["exec", "--preserve-fds", "abc", id, "true"],
    ["exec", "--preserve-fds", "99999999999", id, "true"], ["exec", "--tty", "--console-socket", "/nonexistent.sock", id, "true"], ["exec", "--tty", "--detach", id, "true"],
    ["exec", "--cgroup", "../up", id, "true"], ["exec", "--cgroup", "pids:no-such-sub", id, "true"], ["exec", "--no-such-flag", id, "true"],
    ["exec", id, "/no/such/binary"], ["exec", id, "no-such-cmd"], ["exec", id, ""],
    ["exec", "--detach", "--pid-file", "/nonexistent/dir/x.pid", id, H, "pause"], ["exec", "--apparmor", "tsrun-x", id, "true"],
  ];
  const usage = (a: string[]): boolean => a.length === 1 || a[1] === "--no-such-flag";   // refused before exec runs: runc's 1
  await pool(cases, 3, async (args) => {
    const r = await call(args);
    assertOneLine(`tsrun ${args.join(" ").slice(0, 80)}`, r, usage(args) ? 1 : undefined);
  });
  await stillWorks("after the bad command lines");
  // a process whose pid file could not be written is not left running
  const ps = processesMatching(id).filter((p) => readFileSync(`/proc/${p}/cmdline`, "utf8") === `${H}\0pause\0`);
  assert.equal(ps.length, 1, `only the container's init runs: ${ps.join(" ")}`);
});

test(`seeded random exec command lines (seed ${SEED}): exit 0 or one line, never a hang or a stack trace`, async (t) => {
  const r = rng(SEED + 1);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const values = ["", "-1", "x", "0", "1000:1000", "99999999999", "/nonexistent", "../..", "\u00ff\u00fe", "a".repeat(5000), ":", "0:0:0", "/", "/proc/self/fd/3", "CAP_KILL", "FOO=bar", "pids:sub", join(h.tmp, "nope.json")];
  const flags = ["--user", "--cwd", "--env", "--cap", "--preserve-fds", "--cgroup", "--additional-gids", "--process", "--pid-file", "--console-socket", "--apparmor", "--process-label"];
  const switches = ["--tty", "--detach", "--ignore-paused", "--no-new-privs"];
  const cases: string[][] = [];
  for (let i = 0; i < Math.max(20, Math.ceil(CASES / 3)); i++) {
    const args = ["exec"];
    for (let k = 1 + Math.floor(r() * 4); k > 0; k--) {
      if (r() < 0.25) args.push(pick(switches));
      else args.push(pick(flags), pick(values));
    }
    args.push(r() < 0.9 ? id : pick(values), H, "exit", "0");
    cases.push(args);
  }
  let ok = 0;
  await pool(cases, 3, async (args) => {
    const res = await call(args);
    if (res.status === 0) ok++;
    else assertOneLine(`tsrun ${args.join(" ").slice(0, 120)}`, res);
  });
  t.diagnostic(`${cases.length} command lines, ${ok} ran`);
  await stillWorks("after the random command lines");
});

test("delete --force after all that leaves nothing", async () => {
  const d = await call(["delete", "--force", id]);
  assert.equal(d.status, 0, d.stderr);
  h.assertGone(id);
  assert.deepEqual(processesMatching(id), []);
  assert.deepEqual(mounts(h.tmp), []);
});
