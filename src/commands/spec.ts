/** tsrun spec: write runc's default config.json into the bundle, never over an existing one. */
import * as fs from "node:fs";
import { join, resolve } from "node:path";
import { TsrunError, sysError } from "../errors.js";
import type { Ctx } from "../context.js";
import { defaultSpec } from "../spec/default.js";

export default function spec(_ctx: Ctx, opts: { bundle?: string; rootless?: boolean }): number {
  const dir = resolve(opts.bundle ?? ".");
  const file = join(dir, "config.json");
  const text = JSON.stringify(defaultSpec({ rootless: !!opts.rootless }), null, "\t") + "\n";
  try {
    fs.writeFileSync(file, text, { flag: "wx", mode: 0o666 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") throw new TsrunError("File config.json exists. Remove it first");
    throw sysError("write", file, e);
  }
  return 0;
}
