/**
 * Names and labels of everything the launcher creates. Cleanup finds resources by
 * these labels (not by memory), and so does the harness's reaper after a SIGKILL.
 */

export const LABEL_RUN_ID = "sim.run-id";
export const LABEL_SCENARIO = "sim.scenario";
export const LABEL_NODE = "sim.node";
/** On networks: the name the scenario gave the network (`networks: [backend]`). */
export const LABEL_NETWORK = "sim.network";

/** The network that docker nodes without `networks:` join, as docker compose's project network. */
export const DEFAULT_NETWORK = "default";

const DOCKER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** True when `name` is usable in a container or network name. */
export function isDockerName(name: string): boolean {
  return DOCKER_NAME.test(name);
}

function safe(part: string): string {
  const cleaned = part.replace(/[^A-Za-z0-9_.-]/g, "-");
  return cleaned === "" ? "x" : cleaned;
}

export function resourceLabels(runId: string, scenario: string, node: string): Record<string, string> {
  return { [LABEL_RUN_ID]: runId, [LABEL_SCENARIO]: scenario, [LABEL_NODE]: node };
}

/** `sim-<runId>-<nodeId>`: unique per engine because run ids are. */
export function containerName(runId: string, nodeId: string): string {
  return `sim-${safe(runId)}-${safe(nodeId)}`;
}

/** `sim-<runId>-<name>`: each run gets its own networks, so parallel runs never share one. */
export function networkName(runId: string, name: string): string {
  return `sim-${safe(runId)}-${safe(name)}`;
}

/**
 * Tag for an image built from a node's `build:` section when the node names no
 * `image:`. One tag per scenario and node group (members of a `count` group share
 * it); repository names must be lower case.
 */
export function buildTag(scenario: string, group: string): string {
  const part = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, "-")
      .replace(/^[._-]+|[._-]+$/g, "") || "x";
  return `sim-build/${part(scenario)}-${part(group)}:latest`;
}

/** The networks a node joins, as written in the scenario (the default network when it names none). */
export function nodeNetworks(networks: readonly string[]): string[] {
  return networks.length === 0 ? [DEFAULT_NETWORK] : [...networks];
}
