// Entry of the compiled executable dist/tsrun (scripts/build-exe.mjs: `bun build --compile`).
// The engine's edge, and the only file that knows about embedding: libtsrun.so, tsrun-init and
// koffi's native module for this platform ride inside the executable, and src/sys/ffi.ts is told
// where they are before the CLI starts. Everything else is the same dist/src/ that node runs.
import "../dist/src/start-fds.js"; // first: the fds the caller passed, before anything is opened
import libtsrun from "../native/build/libtsrun.so" with { type: "file" };
import init from "../native/build/tsrun-init" with { type: "file" };
import { setNativeAssets } from "../dist/src/sys/ffi.js";

// Only linux_x64's koffi.node is embedded (koffi's own index.js names all 18 platforms' builds,
// ~27 MB, and loads crypto, https and zlib to pick one). The module is koffi's whole API;
// koffi's index.js only adds deprecated aliases tsrun does not use.
const koffi = () => require("../node_modules/koffi/build/koffi/linux_x64/koffi.node");

setNativeAssets({ libtsrun, init, embedded: true, koffi });
void import("../dist/src/main.js");
