import type { ResolvedDockerNode, ResolvedScenario } from "@sim/config";
import type { LaunchContext, NodeLauncher, RunResources } from "@sim/coordinator";
import { checkDockerNodes } from "./check.js";
import { planNodeOrThrow, type NodePlan } from "./container-spec.js";
import { startDockerNode, type DockerStartedNode } from "./docker-node.js";
import { Engines, isConnectionError, pingEngine, type Engine, type EngineOptions } from "./engine.js";
import { DockerImageMissingError, DockerUnavailableError } from "./errors.js";
import { buildImage, imageExists } from "./image.js";
import { LABEL_RUN_ID, networkName, nodeNetworks } from "./names.js";
import { ensureNetwork, removeRunNetworks } from "./network.js";

export type DockerLauncherOptions = EngineOptions;

/** What one run has asked the engines for; images and networks are created once per run, whoever asks first. */
interface RunState {
  images: Map<string, Promise<void>>;
  networks: Map<string, Promise<string>>;
  engines: Set<Engine>;
}

/** The launcher of `type: docker` nodes, as an object the harness registers. */
export interface DockerLauncher extends NodeLauncher<ResolvedDockerNode> {
  /** Pings the engines, builds or checks the images, creates the run's networks. */
  prepare(nodes: ResolvedDockerNode[], ctx: LaunchContext): Promise<void>;
  launch(node: ResolvedDockerNode, ctx: LaunchContext): Promise<DockerStartedNode>;
  /** Removes what is left of the run by label: containers (a safety net), then networks. Idempotent. */
  cleanup(ctx: LaunchContext): Promise<void>;
}

/**
 * Creates the launcher of docker nodes. Everything a run creates carries the labels
 * `sim.run-id`, `sim.scenario`, `sim.node`; cleanup() finds it by those labels. The
 * launcher holds one Docker client per engine, and per run only the promises of
 * images and networks being created (so that parallel launches create each once).
 */
export function createDockerLauncher(options: DockerLauncherOptions = {}): DockerLauncher {
  const engines = new Engines(options);
  const runs = new Map<string, RunState>();

  const runState = (runId: string): RunState => {
    let state = runs.get(runId);
    if (state === undefined) {
      state = { images: new Map(), networks: new Map(), engines: new Set() };
      runs.set(runId, state);
    }
    return state;
  };

  const once = <T>(map: Map<string, Promise<T>>, key: string, create: () => Promise<T>): Promise<T> => {
    let promise = map.get(key);
    if (promise === undefined) {
      promise = create();
      map.set(key, promise);
    }
    return promise;
  };

  /** Builds the node's image when it has `build:`, else checks that the image exists. Never pulls. */
  const ensureImage = (state: RunState, engine: Engine, node: ResolvedDockerNode, plan: NodePlan, ctx: LaunchContext) =>
    once(state.images, `${engine.address}|${plan.image}`, async () => {
      if (node.build !== null) {
        ctx.logger.info({ node: node.id, image: plan.image }, `building image ${plan.image} from ${node.build.context}`);
        await buildImage(engine, node, plan.image, ctx.scenario.name, {
          ...(ctx.signal ? { signal: ctx.signal } : {}),
          onLine: (line) => ctx.logger.debug({ node: node.id, image: plan.image }, line),
        });
      } else if (!(await imageExists(engine, plan.image))) {
        throw new DockerImageMissingError(node.id, plan.image, engine.address);
      }
    });

  const ensureNetworks = (state: RunState, engine: Engine, plan: NodePlan, ctx: LaunchContext) =>
    Promise.all(
      plan.networks.map((name) =>
        once(state.networks, `${engine.address}|${name}`, () =>
          ensureNetwork(
            engine,
            {
              dockerName: networkName(ctx.runId, name),
              name,
              runId: ctx.runId,
              scenario: ctx.scenario.name,
              nodes: membersOf(ctx.scenario, (host) => engines.addressFor(host), engine.address, name),
            },
            ctx.resources,
          ),
        ),
      ),
    );

  const withEngine = async <T>(engine: Engine, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (isConnectionError(error)) throw new DockerUnavailableError(engine.address, { cause: error });
      throw error;
    }
  };

  return {
    type: "docker",

    check(nodes: ResolvedDockerNode[], scenario: ResolvedScenario) {
      return checkDockerNodes(nodes, scenario, engines);
    },

    describe(node: ResolvedDockerNode) {
      const plan = (() => {
        try {
          return planNodeOrThrow(node, "scenario");
        } catch {
          return null;
        }
      })();
      return {
        type: "docker",
        image: node.image ?? `(built from ${node.build?.context ?? "?"})`,
        build: node.build === null ? null : { context: node.build.context, dockerfile: node.build.dockerfile },
        command: node.command,
        protocol: node.protocol,
        engine: engines.addressFor(node.docker_host),
        ports: plan?.ports.map((p) => `${p.hostIp}:${p.hostPort ?? "(any)"}->${p.containerPort}/${p.protocol}`) ?? node.ports,
        volumes: node.volumes,
        networks: nodeNetworks(node.networks),
        resources: node.resources,
        wait_for: node.wait_for,
        privileged: node.privileged,
        ...(node.privileged ? { warning: "privileged container: full access to the host's devices and kernel" } : {}),
      };
    },

    async prepare(nodes: ResolvedDockerNode[], ctx: LaunchContext) {
      const state = runState(ctx.runId);
      const planned = nodes.map((node) => ({ node, plan: planNodeOrThrow(node, ctx.scenario.name), engine: engines.get(node.docker_host) }));
      const used = [...new Set(planned.map((p) => p.engine))];
      for (const engine of used) state.engines.add(engine);
      await Promise.all(used.map((engine) => pingEngine(engine)));
      // Every image and network is attempted before the first failure is rethrown, so
      // that nothing is still being created while the harness already cleans up.
      const results = await Promise.allSettled(
        planned.flatMap(({ node, plan, engine }) => [
          withEngine(engine, () => ensureImage(state, engine, node, plan, ctx)),
          withEngine(engine, () => ensureNetworks(state, engine, plan, ctx)),
        ]),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed !== undefined) throw failed.reason;
    },

    async launch(node: ResolvedDockerNode, ctx: LaunchContext) {
      const plan = planNodeOrThrow(node, ctx.scenario.name);
      const engine = engines.get(node.docker_host);
      const state = runState(ctx.runId);
      state.engines.add(engine);
      await withEngine(engine, async () => {
        await ensureImage(state, engine, node, plan, ctx);
        await ensureNetworks(state, engine, plan, ctx);
      });
      return startDockerNode(engine, node, plan, ctx);
    },

    async cleanup(ctx: LaunchContext) {
      const state = runs.get(ctx.runId);
      const touched = new Set(state?.engines ?? []);
      const named = new Set(
        ctx.scenario.nodes.flatMap((n) => (n.type === "docker" ? [engines.get(n.docker_host)] : [])).filter((e) => !touched.has(e)),
      );
      const failures: unknown[] = [];
      for (const engine of [...touched, ...named]) {
        try {
          await removeRunContainers(engine, ctx.runId, ctx.resources);
          await removeRunNetworks(engine, ctx.runId, ctx.resources);
        } catch (error) {
          // An engine this run never reached (it was down at prepare) has nothing to clean.
          if (named.has(engine) && isConnectionError(error)) continue;
          failures.push(isConnectionError(error) ? new DockerUnavailableError(engine.address, { cause: error }) : error);
        }
      }
      runs.delete(ctx.runId);
      if (failures.length === 1) throw failures[0];
      if (failures.length > 1) throw new AggregateError(failures, `cleaning up run ${ctx.runId} failed on ${failures.length} engines`);
    },
  };
}

/**
 * Safety net of cleanup(): containers of the run that are still there (a launch
 * interrupted between create and return) are removed by label, with their
 * anonymous volumes.
 */
async function removeRunContainers(engine: Engine, runId: string, resources: RunResources): Promise<void> {
  const leftovers = await engine.docker.listContainers({ all: true, filters: { label: [`${LABEL_RUN_ID}=${runId}`] } });
  await Promise.all(
    leftovers.map(async (info) => {
      try {
        await engine.docker.getContainer(info.Id).remove({ force: true, v: true });
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode !== 404) throw error;
      }
      resources.removeContainer(info.Id);
    }),
  );
}

/** Ids of the docker nodes on `address` that join network `name`, for its `sim.node` label. */
function membersOf(scenario: ResolvedScenario, addressFor: (host: string | null) => string, address: string, name: string): string[] {
  return scenario.nodes.flatMap((n) =>
    n.type === "docker" && addressFor(n.docker_host) === address && nodeNetworks(n.networks).includes(name) ? [n.id] : [],
  );
}

/**
 * The docker launcher with default options (the engine at unix:///var/run/docker.sock
 * unless a node names `docker_host:`). It keeps no state between runs beyond one
 * Docker client per engine; use createDockerLauncher() for another default engine.
 */
export const dockerLauncher: DockerLauncher = createDockerLauncher();
