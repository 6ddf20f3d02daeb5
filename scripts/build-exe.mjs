// Builds dist/tsrun: one self-contained executable (Bun's compiler, bytecode on) holding the
// CLI, koffi and its native module, libtsrun.so and tsrun-init. Nothing beside it is needed:
// `install -m 0755 dist/tsrun /usr/local/bin/tsrun` is a working runtime. Run after tsc and
// the native build (npm run build does all three).
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bun = join(root, "node_modules", ".bin", "bun");
const r = spawnSync(bun, ["build", "--compile", "--bytecode", "--minify", join(root, "scripts", "bun-entry.mjs"), "--outfile", join(root, "dist", "tsrun")], { stdio: ["ignore", "inherit", "inherit"] });
if (r.error) { console.error(`build-exe: ${bun}: ${r.error.message} (npm ci installs bun)`); process.exit(1); }
process.exit(r.status ?? 1);
