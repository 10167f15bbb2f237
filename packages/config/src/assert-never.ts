import { UnexpectedValueError } from "./errors.js";

/**
 * The `default:` of a switch that handles every case of a union: `value` has type
 * `never` only when every case is handled, so a case added to the union without a
 * branch here is a compile error. At run time a value from outside the union (data
 * built in code around the types) throws UnexpectedValueError.
 */
export function assertNever(value: never, what = "value"): never {
  throw new UnexpectedValueError(what, value);
}
