import type { RunResources } from "@sim/coordinator";
import { isNotFound, statusOf, type Engine } from "./engine.js";
import { LABEL_NETWORK, LABEL_NODE, LABEL_RUN_ID, LABEL_SCENARIO } from "./names.js";

/**
 * How often removing a network is retried while the engine still reports endpoints
 * on it: a container removed a moment ago can linger on its networks for a few
 * hundred milliseconds.
 */
const REMOVE_ATTEMPTS = 10;
const REMOVE_RETRY_MS = 200;

export interface NetworkRequest {
  /** The Docker name, `sim-<runId>-<name>`. */
  dockerName: string;
  /** The name in the scenario. */
  name: string;
  runId: string;
  scenario: string;
  /** Node ids that join it, for the `sim.node` label. */
  nodes: string[];
}

/**
 * Creates a run's network, recorded in the registry the moment it exists. A network
 * of the same name that already carries this run's label is reused (launch() of a
 * node after prepare(), or two launches racing).
 */
export async function ensureNetwork(engine: Engine, request: NetworkRequest, resources: RunResources): Promise<string> {
  try {
    const network = await engine.docker.createNetwork({
      Name: request.dockerName,
      CheckDuplicate: true,
      Driver: "bridge",
      Labels: {
        [LABEL_RUN_ID]: request.runId,
        [LABEL_SCENARIO]: request.scenario,
        [LABEL_NODE]: [...request.nodes].sort().join(","),
        [LABEL_NETWORK]: request.name,
      },
    });
    resources.addNetwork({ name: request.dockerName, id: network.id, dockerHost: engine.registryHost });
    return network.id;
  } catch (error) {
    if (statusOf(error) !== 409) throw error;
    const info = await engine.docker.getNetwork(request.dockerName).inspect();
    if (info.Labels?.[LABEL_RUN_ID] !== request.runId) {
      throw new Error(`a network named ${request.dockerName} exists on ${engine.address} but does not belong to run ${request.runId}`);
    }
    return info.Id as string;
  }
}

/** Removes every network labelled with the run's id on one engine. Idempotent. */
export async function removeRunNetworks(engine: Engine, runId: string, resources: RunResources): Promise<void> {
  const networks = await engine.docker.listNetworks({ filters: { label: [`${LABEL_RUN_ID}=${runId}`] } });
  const failures: Error[] = [];
  await Promise.all(
    networks.map(async (info) => {
      try {
        await removeNetwork(engine, info.Id);
        resources.removeNetwork(info.Id);
      } catch (error) {
        failures.push(error as Error);
      }
    }),
  );
  if (failures.length > 0) {
    throw new AggregateError(failures, `removing the networks of run ${runId} on ${engine.address} failed: ${failures.map((f) => f.message).join("; ")}`);
  }
}

async function removeNetwork(engine: Engine, id: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await engine.docker.getNetwork(id).remove();
      return;
    } catch (error) {
      if (isNotFound(error)) return;
      // 403 "has active endpoints": a container of the run is still being torn down.
      if (statusOf(error) !== 403 || attempt >= REMOVE_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, REMOVE_RETRY_MS));
    }
  }
}
