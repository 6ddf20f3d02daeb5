import "./start-fds.js"; // first: what the caller passed, before anything is opened
import { main } from "./cli.js";

// the systemd driver's D-Bus helper (src/cgroup/systemd-call.ts): this executable, run by itself
if (process.env.TSRUN_SYSTEMD_BUS === "1") void import("./cgroup/systemd-bus.js").then((m) => m.serve());
else {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (e) => { process.stderr.write(`internal error: ${String((e as Error)?.message ?? e)}\n`); process.exitCode = 1; },
  );
}
