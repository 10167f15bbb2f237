export type * from "./types.js";
export type * from "./launcher.js";
