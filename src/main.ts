import "./start-fds.js"; // first: what the caller passed, before anything is opened
import { parseFast, runFast } from "./fastpath.js";

const argv = process.argv.slice(2);
const fast = parseFast(argv);
(fast ? runFast(fast) : import("./cli.js").then((m) => m.main(argv))).then(
  (code) => { process.exitCode = code; },
  (e) => { process.stderr.write(`internal error: ${String((e as Error)?.message ?? e)}\n`); process.exitCode = 1; },
);
