// Entry of the compiled executable dist/tsrun (scripts/build-exe.mjs: `bun build --compile`).
// The engine's edge, and the only file that knows about embedding: libtsrun.so and tsrun-init
// ride inside the executable (`with { type: "file" }`), and src/sys/ffi.ts is told where they
// are before the CLI starts. Everything else is the same dist/src/ that node runs.
import "../dist/src/start-fds.js"; // first: the fds the caller passed, before anything is opened
import libtsrun from "../native/build/libtsrun.so" with { type: "file" };
import init from "../native/build/tsrun-init" with { type: "file" };
import { setNativeAssets } from "../dist/src/sys/ffi.js";

setNativeAssets({ libtsrun, init, embedded: true });
void import("../dist/src/main.js");
