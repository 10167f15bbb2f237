export { SimError, ScenarioInvalidError } from "./errors.js";
export { EXTERNAL_NODE_TYPES } from "./types.js";
export type * from "./types.js";
