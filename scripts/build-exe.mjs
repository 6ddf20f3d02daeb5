// Builds dist/tsrun: one self-contained executable (Bun's compiler, bytecode on) holding the
// CLI, koffi and its native module, libtsrun.so and tsrun-init. Nothing beside it is needed:
// `install -m 0755 dist/tsrun /usr/local/bin/tsrun` is a working runtime. Run after tsc and
// the native build (npm run build does all three).
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bun = join(root, "node_modules", ".bin", "bun");
// --no-compile-autoload-*: the executable must not read bunfig.toml or .env from the caller's
// working directory (a .env there would change process.env); it also saves those lookups.
// --compile-jit-policy=20: JavaScriptCore tiers up 20 times later. A call runs its JS about once
// and exits; compiling it on JIT threads cost more than it saved (run −15 ms CPU, create −15 ms).
// No hot loop is in JS: stdio relay and pty proxy run in C (docs/PERFORMANCE.md, round 4).
// --splitting (ESM only): every command module and what only it uses is its own chunk, loaded by
// its import() in src/cli.ts; without it the executable holds one script, all of it loaded (and
// every node: built-in any module imports) on every call.
const flags = ["--compile", "--bytecode", "--minify", "--no-compile-autoload-bunfig", "--no-compile-autoload-dotenv", "--compile-jit-policy=20",
  "--splitting", "--format=esm"];
// --version's commit line: the checkout's HEAD (with -dirty when tracked files differ), recorded now.
const git = (...a) => spawnSync("git", ["-C", root, ...a], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
const head = git("rev-parse", "--short=12", "HEAD");
const commit = head.status === 0
  ? head.stdout.trim() + (git("status", "--porcelain", "--untracked-files=no").stdout.trim() ? "-dirty" : "")
  : "unknown (not built from a git checkout)";
flags.push(`--define=TSRUN_BUILD_COMMIT=${JSON.stringify(commit)}`);
const r = spawnSync(bun, ["build", ...flags, join(root, "scripts", "bun-entry.mjs"), "--outfile", join(root, "dist", "tsrun")], { stdio: ["ignore", "inherit", "inherit"] });
if (r.error) { console.error(`build-exe: ${bun}: ${r.error.message} (npm ci installs bun)`); process.exit(1); }
process.exit(r.status ?? 1);
