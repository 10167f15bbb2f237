// Entry of the trace encoder thread when the engine runs from its TypeScript sources
// (vitest, tsx): registers tsx's loader in the thread, then loads trace-worker.ts.
// A plain file because Node 20 applies a worker's own `--import tsx` only after its
// entry point is loaded. Not built: dist/ starts trace-worker.js directly.
import { register } from "tsx/esm/api";

register();
await import("./trace-worker.ts");
