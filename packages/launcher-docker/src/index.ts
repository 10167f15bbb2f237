export { createDockerLauncher, dockerLauncher } from "./launcher.js";
export type { DockerLauncher, DockerLauncherOptions } from "./launcher.js";
export type { DockerStartedNode, PublishedPort } from "./docker-node.js";
export { DEFAULT_DOCKER_HOST } from "./engine.js";
export { DEFAULT_PORT_HOST_IP } from "./ports.js";
export { LABEL_RUN_ID, LABEL_SCENARIO, LABEL_NODE, LABEL_NETWORK } from "./names.js";
export {
  DockerUnavailableError,
  DockerImageMissingError,
  DockerBuildError,
  ContainerStartError,
  DockerConfigError,
} from "./errors.js";
