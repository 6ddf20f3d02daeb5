#!/usr/bin/env node
// npm run bench: tsrun against runc (and crun where it works), side by side in one run.
// Interleaved and repeated; reports median and spread (p25..p75) of wall time, and peak RSS
// and CPU time (wait4 rusage: native/build/tsrun-rusage, else /usr/bin/time). Writes bench/results/<stamp>.{md,json} and
// bench/results/latest.{md,json}. A benchmark, not a test: it asserts nothing.
// Needs root, npm run build (dist/ and native/build/), busybox-static, runc.
// Knobs: BENCH_REPS (default 15), BENCH_BATCH_REPS (3), BENCH_SCALE ("1,100,1000"), BENCH_ONLY (comma list of scenarios).
import { spawnSync, spawn } from "node:child_process";
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cpus } from "node:os";
import { makeBundle } from "../dist/test/helpers/rootfs.js";
import { median, quantile, fmtMs, fmtRatio, markdownReport } from "./report.mjs";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const REPS = Number(process.env.BENCH_REPS ?? 15);
const BATCH_REPS = Number(process.env.BENCH_BATCH_REPS ?? 3);
const SCALE = (process.env.BENCH_SCALE ?? "1,100,1000").split(",").map(Number);
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(",")) : undefined;
const want = (s) => !ONLY || ONLY.has(s);
const TIME = "/usr/bin/time";

// NODE_EXTRA_CA_CERTS triples node's start-up: removed for every command, the `node -e 0` floor included.
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;

const work = mkdtempSync("/tmp/tsrun-bench-");
const tag = `b${process.pid}`;
let seq = 0;
const newId = (rt) => `${tag}-${rt}-${++seq}`;

// ---- runtimes ---------------------------------------------------------------------------------
const tsrunBin = join(repo, "bin", "tsrun");
const runtimes = [
  { name: "tsrun", cmd: [tsrunBin], env: {} },                                            // dist/tsrun, compiled with Bun
  { name: "tsrun-node", cmd: [process.execPath, join(repo, "dist", "src", "main.js")], env: {} }, // the same code on node
  { name: "runc", cmd: ["/usr/bin/runc"], env: {} },
  { name: "crun", cmd: ["crun"], env: {} },
];
for (const rt of runtimes) { rt.root = join(work, `root-${rt.name}`); mkdirSync(rt.root, { recursive: true }); }

// ---- the bundles: the same busybox + testhelper rootfs and the same config for every runtime ---
const patch = (args) => ({ process: { terminal: false, args } });
const bTrue = makeBundle(join(work, "bundle-true"), patch(["/bin/true"]), { busybox: true });
const bSleep = join(work, "bundle-sleep");
mkdirSync(bSleep);
cpSync(join(bTrue, "config.json"), join(bSleep, "config.json"));
const sleepCfg = JSON.parse(readFileSync(join(bSleep, "config.json"), "utf8"));
sleepCfg.process.args = ["/bin/sleep", "100000"];
sleepCfg.root.path = join(bTrue, "rootfs");
writeFileSync(join(bSleep, "config.json"), JSON.stringify(sleepCfg, null, 2));

// exec as containerd calls it: the process in a file (--process), the same for every runtime.
const execProcess = join(work, "exec-process.json");
writeFileSync(execProcess, JSON.stringify({ terminal: false, user: { uid: 0, gid: 0 }, args: ["/bin/true"], env: sleepCfg.process.env, cwd: "/" }));

// ---- running one command ------------------------------------------------------------------------
const logFile = join(work, "cmd.log");
// CPU time and peak RSS from wait4's rusage: native/build/tsrun-rusage (bench/rusage.c,
// microseconds) when built, else GNU time (10 ms steps).
const RUSAGE = join(repo, "native", "build", "tsrun-rusage");
const haveRusage = existsSync(RUSAGE);
/** Run argv with stdio on files (a created init keeps inherited fds open), timed, with peak RSS. */
function timed(argv, extraEnv = {}) {
  const out = openSync(logFile, "w");
  const rss = join(work, "rss");
  const t0 = process.hrtime.bigint();
  const r = haveRusage
    ? spawnSync(RUSAGE, [rss, ...argv], { env: { ...env, ...extraEnv }, stdio: ["ignore", out, out], timeout: 120_000 })
    : spawnSync(TIME, ["-f", "%M %U %S", "-o", rss, ...argv], { env: { ...env, ...extraEnv }, stdio: ["ignore", out, out], timeout: 120_000 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  closeSync(out);
  const [rssKb, user, sys] = readFileSync(rss, "utf8").trim().split("\n").pop().split(" ").map(Number);
  const cpuMs = haveRusage ? (user + sys) / 1000 : (user + sys) * 1000;
  return { ok: r.status === 0, ms, rssKb, cpuMs, text: readFileSync(logFile, "utf8").trim().split("\n")[0] ?? "" };
}
const rtArgv = (rt, ...args) => [...rt.cmd, "--root", rt.root, ...args];
function must(rt, ...args) {
  const r = timed(rtArgv(rt, ...args), rt.env);
  if (!r.ok) throw new Error(`${rt.name} ${args.join(" ")}: ${r.text}`);
  return r;
}

// ---- clean up, also when a command fails: every container left in our roots, then the dir ---
let cleaned = false;
function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const rt of runtimes) {
    for (const id of existsSync(rt.root) ? readdirSync(rt.root) : []) {
      if (/-c\d+$/.test(id)) rmSync(join(rt.root, id), { recursive: true, force: true }); // fabricated copies
    }
    for (const id of existsSync(rt.root) ? readdirSync(rt.root) : []) spawnSync(rt.cmd[0], [...rtArgv(rt, "delete", "-f", id).slice(1)], { env: { ...env, ...rt.env }, stdio: "ignore" });
  }
  rmSync(work, { recursive: true, force: true });
}
process.on("exit", cleanup);

// ---- which runtimes work here -----------------------------------------------------------------
for (const rt of runtimes) {
  const which = spawnSync("sh", ["-c", `command -v ${rt.cmd[0]}`], { env });
  if (which.status !== 0) { rt.na = "not installed"; continue; }
  const id = newId(rt.name);
  const r = timed(rtArgv(rt, "run", "-b", bTrue, id), rt.env);
  if (!r.ok) {
    rt.na = `does not work on this host: ${r.text.slice(0, 160)}`;
    timed(rtArgv(rt, "delete", "-f", id), rt.env);
  }
}
const live = runtimes.filter((rt) => !rt.na);
const tsrunHasExec = /^\s+exec\b/m.test(spawnSync(tsrunBin, ["--help"], { env }).stdout.toString());

// ---- samples --------------------------------------------------------------------------------
const samples = {}; // samples[scenario][runtime] = [{ms, rssKb}]
const add = (sc, rt, v) => (((samples[sc] ??= {})[rt] ??= []).push(v));
const shuffle = (a) => { const b = [...a]; for (let i = b.length - 1; i > 0; i--) { const j = Math.floor(Math.random() * (i + 1)); [b[i], b[j]] = [b[j], b[i]]; } return b; };
const note = [];

// Long-running containers for state and exec.
const sleepers = {};
for (const rt of live) {
  const id = newId(rt.name);
  must(rt, "run", "-d", "-b", bSleep, id);
  sleepers[rt.name] = id;
}

function initRss(pid) {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k) => Number((s.match(new RegExp(`^${k}:\\s+(\\d+)`, "m")) ?? [])[1] ?? NaN);
  return { rssKb: kb("VmRSS"), anonKb: kb("RssAnon") };
}

process.stderr.write(`bench: ${REPS} reps, work dir ${work}, runtimes: ${live.map((r) => r.name).join(", ")}\n`);
for (let rep = 0; rep < REPS; rep++) {
  process.stderr.write(`  rep ${rep + 1}/${REPS}\r`);
  if (want("floor")) add("node -e 0", "node", timed([process.execPath, "-e", "0"]));
  for (const rt of shuffle(live)) {
    if (want("run")) add("run", rt.name, must(rt, "run", "-b", bTrue, newId(rt.name)));
    if (want("csd")) {
      const id = newId(rt.name);
      const pidFile = join(work, `${id}.pid`);
      const c = must(rt, "create", "-b", bTrue, "--pid-file", pidFile, id);
      const pid = Number(readFileSync(pidFile, "utf8"));
      add("waiting init RSS", rt.name, { ms: NaN, ...initRss(pid) });
      const s = must(rt, "start", id);
      const d = must(rt, "delete", "-f", id);
      add("create", rt.name, c); add("start", rt.name, s); add("delete", rt.name, d);
      add("create+start+delete", rt.name, { ms: c.ms + s.ms + d.ms, cpuMs: c.cpuMs + s.cpuMs + d.cpuMs, rssKb: Math.max(c.rssKb, s.rssKb, d.rssKb) });
    }
    if (want("state")) add("state", rt.name, must(rt, "state", sleepers[rt.name]));
    if (want("exec")) {
      if (rt.name.startsWith("tsrun") && !tsrunHasExec) add("exec", rt.name, { ms: NaN, rssKb: NaN, na: true });
      else add("exec", rt.name, must(rt, "exec", "--process", execProcess, sleepers[rt.name]));
    }
  }
}
process.stderr.write("\n");

// 50 containers in sequence, and 50 with 8 in parallel (each one `run` of /bin/true).
const batchRts = live;
async function batch(rt, n, par) {
  const t0 = process.hrtime.bigint();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      const id = newId(rt.name);
      const code = await new Promise((res) => {
        const err = openSync(join(work, `${id}.err`), "w");
        const p = spawn(rt.cmd[0], [...rtArgv(rt, "run", "-b", bTrue, id).slice(1)], { env: { ...env, ...rt.env }, stdio: ["ignore", "ignore", err] });
        closeSync(err);
        p.on("exit", (c) => res(c));
      });
      if (code !== 0) throw new Error(`${rt.name} run ${id} in a batch: exit ${code}: ${readFileSync(join(work, `${id}.err`), "utf8").trim()}`);
    }
  };
  await Promise.all(Array.from({ length: par }, worker));
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, rssKb: NaN };
}
for (let rep = 0; rep < BATCH_REPS; rep++) {
  for (const rt of shuffle(batchRts)) {
    if (want("seq50")) add("50 in sequence", rt.name, await batch(rt, 50, 1));
    if (want("par50")) add("50, 8 in parallel", rt.name, await batch(rt, 50, 8));
  }
}

// list and state with 1, 100, 1000 containers in the root. Fabricated: N-1 copies of the
// state dir of one real created container (same init pid), id rewritten in state.json.
if (want("scale")) {
  note.push("list/state scaling: the root holds one real created container plus N-1 copies of its state directory (same init pid, id rewritten in state.json); copies are removed with rm, never through the runtime.");
  for (const rt of batchRts) {
    const real = newId(rt.name);
    must(rt, "create", "-b", bSleep, real);
    let have = 1;
    for (const n of SCALE) {
      for (; have < n; have++) {
        const id = `${real}-c${have}`;
        spawnSync("cp", ["-a", join(rt.root, real), join(rt.root, id)]);
        const f = join(rt.root, id, "state.json");
        const st = JSON.parse(readFileSync(f, "utf8"));
        st.id = id;
        writeFileSync(f, JSON.stringify(st));
      }
      for (let rep = 0; rep < Math.max(3, Math.ceil(REPS / 3)); rep++) {
        add(`list (${n} in root)`, rt.name, must(rt, "list"));
        add(`state (${n} in root)`, rt.name, must(rt, "state", real));
      }
    }
    for (const d of readdirSync(rt.root)) if (d.startsWith(`${real}-c`)) rmSync(join(rt.root, d), { recursive: true, force: true });
    must(rt, "delete", "-f", real);
  }
}

cleanup();

// ---- report ---------------------------------------------------------------------------------
const stat = (xs, k) => {
  const v = xs.map((x) => x[k]).filter((x) => Number.isFinite(x));
  return v.length ? { median: median(v), p25: quantile(v, 0.25), p75: quantile(v, 0.75), min: Math.min(...v), n: v.length } : undefined;
};
const summary = {};
for (const [sc, byRt] of Object.entries(samples)) {
  summary[sc] = {};
  for (const [rt, xs] of Object.entries(byRt)) {
    summary[sc][rt] = { ms: stat(xs, "ms"), cpuMs: stat(xs, "cpuMs"), rssKb: stat(xs, "rssKb"), anonKb: stat(xs, "anonKb"), na: xs.some((x) => x.na) || undefined };
  }
}
const med = (sc, rt, k = "ms") => summary[sc]?.[rt]?.[k]?.median;
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : null);
const ratios = {
  "tsrun run / runc run": { value: ratio(med("run", "tsrun"), med("run", "runc")), target: 1.5 },
  "tsrun create+start+delete / runc": { value: ratio(med("create+start+delete", "tsrun"), med("create+start+delete", "runc")), target: 2 },
  "tsrun create / runc create": { value: ratio(med("create", "tsrun"), med("create", "runc")), target: 2 },
  "tsrun start / runc start": { value: ratio(med("start", "tsrun"), med("start", "runc")), target: 2 },
  "tsrun delete / runc delete": { value: ratio(med("delete", "tsrun"), med("delete", "runc")), target: 2 },
  "tsrun state / runc state": { value: ratio(med("state", "tsrun"), med("state", "runc")), target: 2 },
  "peak RSS: tsrun run / runc run": { value: ratio(med("run", "tsrun", "rssKb"), med("run", "runc", "rssKb")), target: null },
  "tsrun-node run / tsrun run (the engine)": { value: ratio(med("run", "tsrun-node"), med("run", "tsrun")), target: null },
  "tsrun exec / runc exec": { value: ratio(med("exec", "tsrun"), med("exec", "runc")), target: null },
  "tsrun 50 in sequence / runc": { value: ratio(med("50 in sequence", "tsrun"), med("50 in sequence", "runc")), target: null },
  "tsrun 50, 8 in parallel / runc": { value: ratio(med("50, 8 in parallel", "tsrun"), med("50, 8 in parallel", "runc")), target: null },
};
// CPU time (user+sys of the command): less disturbed by a loaded machine than wall time.
ratios["CPU: tsrun state / runc state"] = { value: ratio(med("state", "tsrun", "cpuMs"), med("state", "runc", "cpuMs")), target: null };
ratios["CPU: tsrun run / runc run"] = { value: ratio(med("run", "tsrun", "cpuMs"), med("run", "runc", "cpuMs")), target: null };
ratios["CPU: tsrun create+start+delete / runc"] = { value: ratio(med("create+start+delete", "tsrun", "cpuMs"), med("create+start+delete", "runc", "cpuMs")), target: null };
for (const sc of ["create", "start", "delete", "exec"]) ratios[`CPU: tsrun ${sc} / runc ${sc}`] = { value: ratio(med(sc, "tsrun", "cpuMs"), med(sc, "runc", "cpuMs")), target: null };
for (const r of Object.values(ratios)) r.met = r.target == null || r.value == null ? null : r.value <= r.target;
const meta = {
  date: new Date().toISOString(), node: process.version, cpus: cpus().length, kernel: spawnSync("uname", ["-r"]).stdout.toString().trim(),
  loadavg: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" "),
  reps: REPS, batchReps: BATCH_REPS, cpuClock: haveRusage ? "wait4 rusage, µs (native/build/tsrun-rusage)" : "GNU time, 10 ms steps", nodeExtraCaCerts: "unset for every command (bin/tsrun unsets it too)",
  runtimes: Object.fromEntries(runtimes.map((r) => [r.name, r.na ? `n/a: ${r.na}` : "measured"])),
  exec: tsrunHasExec ? "tsrun exec measured" : "tsrun exec: n/a (no exec command on this build)",
  notes: note,
};
const json = { meta, ratios, summary };
const md = markdownReport(json, { fmtMs, fmtRatio });
const resDir = join(repo, "bench", "results");
mkdirSync(resDir, { recursive: true });
const stamp = meta.date.replace(/[:.]/g, "-");
for (const base of [stamp, "latest"]) {
  writeFileSync(join(resDir, `${base}.md`), md);
  writeFileSync(join(resDir, `${base}.json`), JSON.stringify(json, null, 2) + "\n");
}
process.stdout.write(md);
process.stderr.write(`\nwritten: bench/results/${stamp}.md and .json (and latest.*)\n`);
