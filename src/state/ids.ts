import { TsrunError } from "../errors.js";

const ID_RE = /^[A-Za-z0-9_+.-]+$/;

/** Container ids are checked before any path is built from them. */
export function validateId(id: string | undefined): string {
  if (id === undefined || id === "") throw new TsrunError("container id cannot be empty");
  if (id.length > 1024 || !ID_RE.test(id) || id === "." || id === "..") {
    throw new TsrunError(`invalid container id ${JSON.stringify(id)}: must match ^[A-Za-z0-9_+.-]+$ and not be . or ..`);
  }
  return id;
}
