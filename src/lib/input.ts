/**
 * Command-line input turned into library input: exec's flags into a process, update's flags
 * or JSON into resources, events' --interval into milliseconds. Each checks before anything is touched.
 */
import fs from "node:fs";
import { sysError } from "../errors.js";
import { resourcesFromJson } from "../cgroup/update-args.js";
import type { LinuxResources } from "../cgroup/types.js";

export { execProcess, type ExecFlags } from "../lifecycle/exec-process.js";
export { resourcesFromFlags, type UpdateFlags } from "../cgroup/update-args.js";
export { parseInterval } from "../cgroup/events.js";

/** `update -r FILE` (or `-r -`, stdin): the resources it holds, checked. */
export function readResources(src: string): LinuxResources {
  let text: string;
  try {
    text = fs.readFileSync(src === "-" ? 0 : src, "utf8");
  } catch (e) {
    throw sysError("open", src === "-" ? "stdin" : src, e);
  }
  return resourcesFromJson(text, src);
}
