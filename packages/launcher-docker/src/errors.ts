import { SimError } from "@sim/config/errors";

/** The Docker engine cannot be reached. Code `SIM_DOCKER_UNAVAILABLE`; `address` names the engine. */
export class DockerUnavailableError extends SimError {
  readonly address: string;
  constructor(address: string, options: { cause?: unknown } = {}) {
    const reason = options.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(
      "SIM_DOCKER_UNAVAILABLE",
      `the Docker engine at ${address} is not reachable${reason}. ` +
        "Start it (e.g. `dockerd`, check `docker info`) or point `docker_host:` at a running engine.",
      options,
    );
    this.address = address;
  }
}

/** A node's image neither exists on its engine nor has a `build:` section. Code `SIM_DOCKER_IMAGE_MISSING`. */
export class DockerImageMissingError extends SimError {
  readonly node: string;
  readonly image: string;
  constructor(node: string, image: string, address: string) {
    super(
      "SIM_DOCKER_IMAGE_MISSING",
      `node "${node}": image "${image}" does not exist on the Docker engine at ${address}, and the node has no ` +
        "`build:` section. sim never pulls images: build it first (`docker build -t " +
        `${image} …\` or \`images/build.sh\`) or add \`build: {context: …}\` to the node.`,
    );
    this.node = node;
    this.image = image;
  }
}

/** `docker build` of a node's image failed. Code `SIM_DOCKER_BUILD_FAILED`; the message quotes the build output's end. */
export class DockerBuildError extends SimError {
  readonly node: string;
  readonly image: string;
  constructor(node: string, image: string, reason: string, options: { output?: string[]; cause?: unknown } = {}) {
    const tail = options.output && options.output.length > 0 ? `\n  last build output:\n    ${options.output.join("\n    ")}` : "";
    super("SIM_DOCKER_BUILD_FAILED", `node "${node}": building image "${image}" failed: ${reason}${tail}`, options);
    this.node = node;
    this.image = image;
  }
}

/**
 * A container could not be created or started, exited before it was ready, or
 * missed its `wait_for` deadline. Code `SIM_DOCKER_START_FAILED`; the message
 * quotes the end of the container's log.
 */
export class ContainerStartError extends SimError {
  readonly node: string;
  /** The container's last log lines (stdout and stderr), oldest first. */
  readonly logTail: string[];
  constructor(node: string, reason: string, options: { logTail?: string[]; hint?: string; cause?: unknown } = {}) {
    const logTail = options.logTail ?? [];
    let message = `node "${node}": ${reason}`;
    if (logTail.length > 0) message += `\n  last log lines:\n    ${logTail.join("\n    ")}`;
    if (options.hint) message += `\n  ${options.hint}`;
    super("SIM_DOCKER_START_FAILED", message, options.cause === undefined ? {} : { cause: options.cause });
    this.node = node;
    this.logTail = logTail;
  }
}

/** A node option the Docker launcher cannot use (port or volume syntax, `docker_host` URL). Code `SIM_DOCKER_CONFIG_INVALID`. */
export class DockerConfigError extends SimError {
  constructor(message: string) {
    super("SIM_DOCKER_CONFIG_INVALID", message);
  }
}
