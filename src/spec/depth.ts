/** JSON nesting limit: a config nested deeper than any real one would overflow the validator's stack. */
import { TsrunError } from "../errors.js";

export const MAX_DEPTH = 200;

/** Throws when `text` nests arrays/objects deeper than MAX_DEPTH (strings are skipped). */
export function checkDepth(text: string, file: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;                 // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_DEPTH) throw new TsrunError(`${file}: nested deeper than ${MAX_DEPTH} levels`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}
