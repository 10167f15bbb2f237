/**
 * Block YAML for plain data (what JSON can hold), written directly.
 *
 * Why not the yaml package's `stringify`: it builds a document tree first, which for a
 * 1,000-node resolved scenario costs 75 ms in a warm process and 150 ms in a fresh
 * one, and every run and every sweep member is a fresh process writing one
 * (`scenario.resolved.yaml`); this takes a few milliseconds. Reading stays with the
 * yaml package, and a property test reads everything written here back with it.
 *
 * Strings are written plain when no YAML reader could take them for anything else
 * (a number, a boolean, null, a key, a comment, a tag...), otherwise double-quoted: a
 * JSON string is a valid YAML double-quoted scalar once the characters YAML does not
 * allow unescaped (DEL, C1 controls, U+FFFE/U+FFFF) are escaped too.
 */

/** Letters, digits and `_ . / @ + -`, starting with a letter, `_` or `/`: never a number, a tag or syntax. */
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./@+-]*$/;
/** Words that YAML 1.1 readers (and some 1.2 ones) take as booleans or null. */
const RESERVED = /^(?:true|false|null|yes|no|on|off|y|n)$/i;
/** Allowed by JSON unescaped, not by YAML. */
const NOT_YAML_PRINTABLE = /[\u007f-\u009f\ufffe\uffff]/g;

export class NotPlainDataError extends TypeError {
  readonly code = "SIM_NOT_PLAIN_DATA";
  constructor(what: string) {
    super(`cannot write ${what} as YAML: only plain data (what JSON can hold) is written`);
  }
}

/** `value` as a YAML document (ends in a newline). Object keys whose value is undefined are left out, as JSON does. */
export function plainDataToYaml(value: unknown): string {
  return isNonEmptyCollection(value) ? collection(value, "") : `${scalar(value)}\n`;
}

function collection(value: object, indent: string): string {
  let out = "";
  if (Array.isArray(value)) {
    for (const item of value) {
      // A nested collection starts on the item's own line: "- key: ..." or "- - ...".
      out += isNonEmptyCollection(item) ? `${indent}- ${collection(item, `${indent}  `).slice(indent.length + 2)}` : `${indent}- ${scalar(item)}\n`;
    }
    return out;
  }
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    out += isNonEmptyCollection(item) ? `${indent}${text(key)}:\n${collection(item, `${indent}  `)}` : `${indent}${text(key)}: ${scalar(item)}\n`;
  }
  return out;
}

function isNonEmptyCollection(value: unknown): value is object {
  if (Array.isArray(value)) return value.length > 0;
  return isPlainObject(value) && Object.values(value).some((v) => v !== undefined);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

function scalar(value: unknown): string {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (Number.isFinite(value)) return String(value);
      return Number.isNaN(value) ? ".nan" : value > 0 ? ".inf" : "-.inf";
    case "string":
      return text(value);
    case "object":
      if (Array.isArray(value)) return "[]";
      if (isPlainObject(value)) return "{}";
      throw new NotPlainDataError(`an instance of ${(value as object).constructor?.name ?? "a class"}`);
    default:
      throw new NotPlainDataError(`a ${typeof value}`);
  }
}

function text(value: string): string {
  if (PLAIN.test(value) && !RESERVED.test(value)) return value;
  return JSON.stringify(value).replace(NOT_YAML_PRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
