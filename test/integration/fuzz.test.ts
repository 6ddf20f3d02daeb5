// Seeded fuzzing of malformed input: mutations of the shared fixture configs and bad CLI
// arguments. Every case exits 1 with one line (or, when the mutation is still a valid
// config, creates and deletes cleanly), with no stack trace, no hang and no leftovers.
// TSRUN_FUZZ_CASES=N and TSRUN_FUZZ_SEED=S run more or other cases (npm run fuzz: 500).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, writeFileSync, mkdirSync, symlinkSync, existsSync, statSync, rmdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { Harness, requireRoot } from "../helpers/harness.js";
import { oneLineError } from "../helpers/cli.js";
import { tsrunAsync, pool, type AsyncResult } from "../helpers/acli.js";
import { repoRoot } from "../helpers/rootfs.js";
import { rng, mutate, type FuzzCase } from "../helpers/fuzz.js";
import { cgroupLeft, containerCgroupLeft, countCgroups, processesMatching, mounts } from "../helpers/leftovers.js";
import { loadSpec } from "../../src/spec/load.js";
import { compileInit } from "../../src/plan/compile.js";
import { compileSeccomp } from "../../src/seccomp/compile.js";
import { TsrunError } from "../../src/errors.js";

const CASES = Number(process.env.TSRUN_FUZZ_CASES ?? 300);
const SEED = Number(process.env.TSRUN_FUZZ_SEED ?? 9);
// every Nth invalid case also goes through the real `tsrun create`; npm run fuzz (TSRUN_FUZZ_CASES set): every one
const CLI_SAMPLE = Number(process.env.TSRUN_FUZZ_CLI_SAMPLE ?? (process.env.TSRUN_FUZZ_CASES ? 1 : 25));
const CLI_VALID = Number(process.env.TSRUN_FUZZ_CLI_VALID ?? 15); // at most this many still-valid configs are created for real

const CG = `/tsrun-fuzz-${process.pid}`;
let h: Harness;
let rootfs: string;
before(() => {
  requireRoot();
  h = new Harness();
  rootfs = join(h.bundle(), "rootfs");
  
});
after(() => { h.cleanup(); for (const hy of cgroupLeft(CG)) rmdirSync(join(hy, CG)); });

function fixtures(): Array<{ name: string; doc: Record<string, unknown> }> {
  const out = [];
  for (const d of ["spec-fixtures/clients", "spec-fixtures/oci/good"]) {
    for (const f of readdirSync(join(repoRoot, d)).filter((x) => x.endsWith(".json")).sort()) {
      const doc = JSON.parse(readFileSync(join(repoRoot, d, f), "utf8"));
      if (!doc.ociVersion) continue; // process.json fixtures: not a config
      if (doc.root) doc.root.path = "rootfs";
      out.push({ name: f, doc });
    }
  }
  return out;
}

/** The in-process part of create: load, validate, compile. "ok" when tsrun would go on to clone. */
function validate(bundle: string): "ok" | TsrunError {
  try {
    const spec = loadSpec(bundle);
    const rfs = resolve(bundle, spec.root!.path);
    try { if (!statSync(rfs).isDirectory()) return new TsrunError("not a dir"); } catch { return new TsrunError("no rootfs"); }
    const sc = spec.linux?.seccomp ? compileSeccomp(spec.linux.seccomp) : null;
    compileInit(spec, { seccomp: sc ? { filter: sc.filter, flags: sc.flags } : undefined, rootfs: rfs, bundle, noPivot: false, host: { sourceKind: () => "dir" } });
    return "ok";
  } catch (e) {
    if (e instanceof TsrunError) return e;
    throw e;
  }
}

function assertOneLine(what: string, r: AsyncResult): void {
  assert.ok(!r.timedOut, `${what}: hung`);
  assert.ok(oneLineError(r), `${what}: status ${r.status}, stderr ${JSON.stringify(r.stderr.slice(0, 300))}`);
}

function bundleFor(c: FuzzCase, i: number): string {
  const b = join(h.tmp, `fz${i}`);
  mkdirSync(b);
  writeFileSync(join(b, "config.json"), c.bytes);
  symlinkSync(rootfs, join(b, "rootfs"));
  return b;
}

test(`${CASES} mutated fixture configs (seed ${SEED}): one-line exit 1 or a clean container, nothing left`, async (t) => {
  const t0 = Date.now();
  const fx = fixtures();
  assert.ok(fx.length >= 8);
  const r = rng(SEED);
  const viaCli: Array<{ c: FuzzCase; b: string; valid: boolean }> = [];
  let invalid = 0;
  for (let i = 0; i < CASES; i++) {
    const f = fx[Math.floor(r() * fx.length)];
    const c = mutate(f.doc as never, r);
    c.name = `#${i} ${f.name}: ${c.name}`;
    const b = bundleFor(c, i);
    let v: "ok" | TsrunError;
    try { v = validate(b); } catch (e) { assert.fail(`${c.name}: validation threw ${(e as Error)?.constructor?.name}: ${String((e as Error)?.message).slice(0, 200)}`); }
    if (v !== "ok") {
      assert.ok(!/\n/.test(v.message) && v.message.length > 0, `${c.name}: multi-line error ${JSON.stringify(v.message.slice(0, 200))}`);
      if (invalid++ % CLI_SAMPLE === 0) viaCli.push({ c, b, valid: false });
    } else if (viaCli.filter((x) => x.valid).length < CLI_VALID || process.env.TSRUN_FUZZ_CASES) {
      // still valid: give it a cgroup of its own, as parallel cases may share a fixture's cgroupsPath
      const doc = JSON.parse(c.bytes.toString());
      doc.linux = { ...(doc.linux ?? {}), cgroupsPath: `${CG}/fz${i}` };
      writeFileSync(join(b, "config.json"), JSON.stringify(doc));
      viaCli.push({ c, b, valid: true });
    }
  }
  const t1 = Date.now();
  await pool(viaCli, 3, async ({ c, b }, i) => {
    const id = h.id("fz");
    const res = await tsrunAsync(["--root", h.root, "create", "--bundle", b, id], { timeoutMs: 30_000 });
    if (res.status === 0) {
      const d = await tsrunAsync(["--root", h.root, "delete", "--force", id]);
      assert.equal(d.status, 0, `${c.name}: delete: ${d.stderr}`);
    } else assertOneLine(c.name, res);
    assert.ok(!existsSync(join(h.root, id)), `${c.name}: state dir left`);
    assert.deepEqual(containerCgroupLeft(id), [], `${c.name}: cgroup left`);
    assert.deepEqual(cgroupLeft(`${CG}/${b.split("/").pop()}`), [], `${c.name}: cgroup left`);
    assert.deepEqual(processesMatching(id), [], `${c.name}: process left`);
    assert.deepEqual(processesMatching(b), [], `${c.name}: process left (${i})`);
  });
  t.diagnostic(`${CASES} cases, ${invalid} refused in validation, ${viaCli.length} through tsrun create (${viaCli.filter((x) => x.valid).length} valid); ${t1 - t0} ms in-process, ${Date.now() - t1} ms CLI`);
  assert.deepEqual(h.stateDirs(), []);
  // a parent made by one container and then shared is left when its maker is deleted first (runc never removes parents)
  assert.equal(countCgroups(CG), 0, "no container cgroup left under the fuzz parent");
  assert.deepEqual(mounts(h.tmp), [], "no mount leaked onto the host");
});

test("bad command lines: exit 1, one line, no state", async () => {
  const b = h.bundle();
  const long = "x".repeat(100_000);
  const cases: string[][] = [
    ["frobnicate"], ["create"], ["create", "--bundle", b], ["create", "--bundle", b, ""], ["create", "--bundle", b, long],
    ["create", "--bundle", b, "--preserve-fds", "-1", "pf1"], ["create", "--bundle", b, "--preserve-fds", "abc", "pf2"],
    ["create", "--bundle", b, "--preserve-fds", "99999999999", "pf3"], ["create", "--no-such-flag", "x"],
    ["create", "--bundle", "", "e1"], ["create", "--bundle", "/dev/null", "e2"], ["create", "--bundle", "\u00ff\u00fe", "e3"],
    ["start"], ["start", "nope"], ["state", "../x"], ["kill", "nope", "SIGFOO"], ["kill", "nope", "-9"], ["kill", "nope", "99999"],
    ["delete", "nope"], ["delete", "a/b"], ["list", "-f", "xml"], ["--log-format", "yaml", "list"], ["--root", "/dev/null", "list"],
    ["--root", "/dev/null/x", "create", "--bundle", b, "r1"], ["state"], ["kill"], ["run", "--bundle", b], ["spec", "--bundle", "/nonexistent/dir"],
    ["--root"], ["create", "--bundle", b, "--pid-file", "/nonexistent/dir/pid", "pidf"], ["state", "\t"], ["create", "--bundle", b, "a b"],
  ];
  await pool(cases, 4, async (args) => {
    const r = await tsrunAsync(["--root", h.root, ...args], { timeoutMs: 30_000 });
    assertOneLine(`tsrun ${args.join(" ").slice(0, 80)}`, r);
  });
  assert.deepEqual(h.stateDirs(), []);
  assert.deepEqual(containerCgroupLeft("pidf"), []);
});
