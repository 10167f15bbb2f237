// TEST FIXTURE: a stand-in for a harness that dies: starts the escaper through a
// ProcessTree, prints {"pid": <spawned pid>} once every escapee runs, then waits to
// be killed. Args: <runId> <containment> <marker> <route...>
import type { Containment } from "../types.js";
import { ESCAPER, waitForRoutes, type Route } from "../testing.js";
import { spawnTree } from "./spawn-tree.js";

const [runId, containment, marker, ...routes] = process.argv.slice(2) as [string, Containment, string, ...Route[]];
const { tree } = spawnTree([process.execPath, ESCAPER, marker, ...routes], { runId, name: "escaper", containment, killAfterMs: 500 });
await waitForRoutes(marker, routes);
process.stdout.write(`${JSON.stringify({ pid: tree.pid })}\n`);
setInterval(() => {}, 1000);
