// Bundles dist/src/main.js (tsc output) into dist/bundle/: one CommonJS file for the CLI
// (tsrun.cjs) and one for zod (zod.cjs, required only by the commands that validate a
// config), then writes V8 code caches for both (bundle/*.cache) by running the CLI once.
// koffi (a native addon) and pino (only loaded to write a JSON log file) stay in node_modules.
// The launcher bin/tsrun runs dist/bundle/launch.cjs, which compiles with the code cache.
// Why: module resolution and compiling ~60 files cost more than all of tsrun's own work;
// see docs/PERFORMANCE.md.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// TSRUN_BUNDLE_DEBUG=1: readable names for profiling (node --cpu-prof), in dist/bundle-debug.
const debug = process.env.TSRUN_BUNDLE_DEBUG === "1";
const out = join(root, "dist", debug ? "bundle-debug" : "bundle");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const common = { bundle: true, platform: "node", format: "cjs", target: "node20", minify: !debug, logLevel: "warning", legalComments: "none" };
// zod in a file of its own, so that state/kill/delete/start never parse it. Without its
// ~60 locales (zod's index re-exports them all; tsrun's schemas give their own messages and
// zod's default English one is imported separately): 460 KB -> 200 KB.
await build({
  ...common,
  stdin: { contents: 'export * from "zod";', resolveDir: root, loader: "js" },
  outfile: join(out, "zod.cjs"),
  plugins: [{
    name: "zod-no-locales",
    setup(b) {
      b.onResolve({ filter: /locales[\\/]index\.js$/ }, (a) => (/[\\/]zod[\\/]v4[\\/](classic|core|mini)[\\/](external|index)\.js$/.test(a.importer) ? { path: "stub", namespace: "stub" } : undefined));
      b.onLoad({ filter: /.*/, namespace: "stub" }, () => ({ contents: "module.exports = {};", loader: "js" }));
    },
  }],
});
// koffi's index.js loads https, crypto and zlib (for its installer's download code) before
// it loads koffi.node: bundled here with those three replaced by an empty module, and the
// koffi.node requires pointed back into node_modules/koffi.
const koffiDir = dirname(createRequire(import.meta.url).resolve("koffi"));
await build({
  ...common,
  entryPoints: [join(koffiDir, "index.js")],
  outfile: join(out, "koffi.cjs"),
  plugins: [{
    name: "koffi-slim",
    setup(b) {
      b.onResolve({ filter: /^(https|crypto|zlib)$/ }, () => ({ path: "stub", namespace: "stub" }));
      b.onLoad({ filter: /.*/, namespace: "stub" }, () => ({ contents: "module.exports = {};", loader: "js" }));
      b.onResolve({ filter: /\.node$/ }, (a) => ({ path: relative(out, join(a.resolveDir, a.path)), external: true }));
    },
  }],
});
// The CLI (tsrun.cjs), and state/start/kill/delete alone (short.cjs, src/main-short.ts:
// launch.cjs tries it first for an argv naming one of them). koffi, zod and pino stay
// require()s: launch.cjs maps koffi and zod to the files above.
for (const [entry, file] of [["main.js", "tsrun.cjs"], ["main-short.js", "short.cjs"]]) await build({
  ...common,
  entryPoints: [join(root, "dist", "src", entry)],
  outfile: join(out, file),
  external: ["koffi", "pino", "zod"],
  // import.meta.url does not exist in CommonJS: the bundle lives two levels under the
  // repository root, as dist/src/sys/native.js did three, and libtsrunPath() tries both.
  // Computed on first use: node:url's pathToFileURL costs ~1 ms, and `state` never needs it.
  define: { "import.meta.url": "__tsrun_meta.url" },
  banner: { js: 'const __tsrun_meta={get url(){return require("url").pathToFileURL(__filename).href}};' },
  plugins: [{
    // commander loads node:child_process (and with it net and stream) for executable
    // subcommands, which tsrun does not use: an empty module instead, for commander only.
    name: "commander-no-child-process",
    setup(b) {
      b.onResolve({ filter: /^node:child_process$/ }, (a) => (/[\\/]commander[\\/]/.test(a.importer) ? { path: "stub", namespace: "stub" } : undefined));
      b.onLoad({ filter: /.*/, namespace: "stub" }, () => ({ contents: "module.exports = {};", loader: "js" }));
    },
  }],
});
copyFileSync(join(root, "scripts", "launch.cjs"), join(out, "launch.cjs"));
// Warm the code caches: `features` loads tsrun.cjs (commander path), then `state` of a
// made-up stopped container in a temporary root runs short.cjs (its functions in the cache
// cut ~2.5 ms CPU from `state`, docs/PERFORMANCE.md), then `create` of containerd's config
// (spec-fixtures/clients) with a missing rootfs: it validates the whole config, then fails
// before anything is made. zod.cjs and koffi.cjs are loaded at exit.
const warmRoot = mkdtempSync(join(tmpdir(), "tsrun-warm-"));
try {
  mkdirSync(join(warmRoot, "warm"), { mode: 0o700 });
  const st = { ociVersion: "1.0.2", id: "warm", pid: 2147483647, bundle: "/", rootfs: "/", created: new Date(0).toISOString(), owner: "", phase: "created", initStartTime: 0, cgroup: {}, spec: {} };
  writeFileSync(join(warmRoot, "warm", "state.json"), JSON.stringify(st), { mode: 0o600 });
  const cfg = JSON.parse(readFileSync(join(root, "spec-fixtures", "clients", "containerd-config.json"), "utf8"));
  cfg.root = { path: "rootfs-missing" };
  mkdirSync(join(warmRoot, "bundle"));
  writeFileSync(join(warmRoot, "bundle", "config.json"), JSON.stringify(cfg));
  const warm = [["--root", warmRoot, "state", "warm"], ["--root", warmRoot, "create", "--bundle", join(warmRoot, "bundle"), "warm2"]];
  const env = { ...process.env, TSRUN_WRITE_CODE_CACHE: "1", TSRUN_WARM_ARGV: JSON.stringify(warm) };
  delete env.NODE_EXTRA_CA_CERTS;
  // exit status 1: the create fails, as it should, at the missing rootfs
  const r = spawnSync(process.execPath, [join(out, "launch.cjs"), "features"], { env, stdio: ["ignore", "ignore", "pipe"] });
  const err = r.stderr.toString();
  if (!/root\.path: stat .*rootfs-missing.*ENOENT/.test(err)) process.stderr.write(`bundle: code cache warm-up did not end as expected: ${err}\n`);
} finally {
  rmSync(warmRoot, { recursive: true, force: true });
}

