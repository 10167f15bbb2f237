import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** sim's version, from @sim/harness's package.json (the same from src/ and dist/). */
export const SIM_VERSION: string = (require("../package.json") as { version: string }).version;
