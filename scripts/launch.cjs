"use strict";
// Runs the bundled CLI (tsrun.cjs; koffi.cjs and zod.cjs when a command needs them) with a
// V8 code cache next to each file (<file>.cache), so node skips parsing and compiling them.
// state, start, kill and delete (in the fast path's forms) run from short.cjs, a bundle of
// just those commands, when it accepts the argv (src/main-short.ts); anything else loads tsrun.cjs.
// A cache from another node or V8 build is rejected by V8 and simply not used.
// The caches are written at build time (scripts/bundle.mjs sets TSRUN_WRITE_CODE_CACHE=1),
// never while tsrun runs normally. TSRUN_NO_CODE_CACHE=1 ignores them (to measure what they save).
const fs = require("fs");
const path = require("path");
const vm = require("vm");
const Module = require("module");

const writeCache = process.env.TSRUN_WRITE_CODE_CACHE === "1";
const BUNDLED = { koffi: path.join(__dirname, "koffi.cjs"), zod: path.join(__dirname, "zod.cjs") };
const scripts = [];
const loaded = new Map();

function load(file) {
  const src = fs.readFileSync(file, "utf8");
  let cachedData;
  if (!writeCache && !process.env.TSRUN_NO_CODE_CACHE) { try { cachedData = fs.readFileSync(file + ".cache"); } catch { /* no cache */ } }
  const script = new vm.Script(Module.wrap(src), { filename: file, cachedData });
  scripts.push([file, script]);
  const mod = { exports: {}, filename: file, id: file, loaded: false };
  script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  return mod.exports;
}

function loadOnce(file) {
  if (!loaded.has(file)) loaded.set(file, load(file));
  return loaded.get(file);
}

const origLoad = Module._load;
Module._load = function (request, parent, isMain) {
  const f = Object.prototype.hasOwnProperty.call(BUNDLED, request) ? BUNDLED[request] : undefined;
  return f ? loadOnce(f) : origLoad.apply(this, arguments);
};

const SHORT = new Set(["state", "start", "kill", "delete"]);

function main(argv) {
  const fast = argv.some((a) => SHORT.has(a)) ? loadOnce(path.join(__dirname, "short.cjs")).tryShort(argv) : undefined;
  if (!fast) {
    // a second run (cache warming) needs a fresh instance of the CLI: its entry runs at load
    if (loaded.has(path.join(__dirname, "tsrun.cjs"))) return void load(path.join(__dirname, "tsrun.cjs"));
    return void loadOnce(path.join(__dirname, "tsrun.cjs"));
  }
  // as src/main.ts does
  fast.then(
    (code) => { process.exitCode = code; },
    (e) => { process.stderr.write(`internal error: ${String(e && e.message !== undefined ? e.message : e)}\n`); process.exitCode = 1; },
  );
}

if (writeCache) {
  // TSRUN_WARM_ARGV (JSON list of argvs): once the first command is done, run these one
  // after the other, so the caches also hold the functions their paths compile
  // (scripts/bundle.mjs: `features` for the commander path, `state` for short.cjs, and a
  // `create` that validates a config and stops at its missing rootfs, for zod's parse).
  const warm = process.env.TSRUN_WARM_ARGV ? JSON.parse(process.env.TSRUN_WARM_ARGV) : [];
  process.on("beforeExit", () => {
    if (!warm.length) return;
    const argv = warm.shift();
    process.argv = [...process.argv.slice(0, 2), ...argv]; // the CLI reads process.argv
    setImmediate(main, argv); // work on the loop, so that beforeExit comes again after it
  });
  process.on("exit", () => {
    for (const f of Object.values(BUNDLED)) loadOnce(f);
    for (const [file, script] of scripts) fs.writeFileSync(file + ".cache", script.createCachedData());
  });
}
main(process.argv.slice(2));
