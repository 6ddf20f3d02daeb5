/**
 * The one line an executor failure becomes. The executor reports {op index, errno, text}; the plan
 * knows which config member the op came from, so the line names it first:
 *   config.json: mounts[3]: mount "nosuchfs" on "/x": ENODEV (no such device) (op 12)
 * The text is the executor's detail (a path, or the step that failed); it is left out when the
 * op's description already says it (the quoted path, or the call it starts with). The op number comes last, for debugging.
 */
import { errnoName, errnoText } from "../errors.js";

export interface FailureSource {
  /** `config.json: <member>: <what the op does>`, or the description alone */
  describe(index: number): string;
  /** a better description of this failure than describe() (src/plan/kernel-fs.ts), or undefined */
  explain(index: number, errno: string, text: string): string | undefined;
}

export function failureLine(plan: FailureSource, index: number, errno: number, text: string): string {
  const special = plan.explain(index, errnoName(errno), text);
  const what = special ?? plan.describe(index);
  const said = what.includes(`"${text}"`) || plan.describe(index).replace(/^config\.json: [^:]+: /, "").split(" ")[0] === text;
  const detail = !special && text && !said ? `: ${text}` : "";
  return `${what}${detail}: ${errnoText(errno)}${index >= 0 ? ` (op ${index})` : ""}`;
}
