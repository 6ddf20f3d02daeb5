/** `tsrun spec`: runc's default config.json written into a bundle, never over an existing one. */
import * as fs from "node:fs";
import { join, resolve } from "node:path";
import { TsrunError, sysError } from "../errors.js";
import { defaultSpec } from "../spec/default.js";

export function writeDefaultSpec(bundle: string | undefined, opts: { rootless?: boolean }): void {
  const dir = resolve(bundle ?? ".");
  const file = join(dir, "config.json");
  const text = JSON.stringify(defaultSpec({ rootless: !!opts.rootless }), null, "\t") + "\n";
  try {
    fs.writeFileSync(file, text, { flag: "wx", mode: 0o666 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") throw new TsrunError("File config.json exists. Remove it first");
    throw sysError("write", file, e);
  }
}
