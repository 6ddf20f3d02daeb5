import "./start-fds.js"; // first: what the caller passed, before anything is opened
import { main } from "./cli.js";

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => { process.stderr.write(`internal error: ${String((e as Error)?.message ?? e)}\n`); process.exitCode = 1; },
);
