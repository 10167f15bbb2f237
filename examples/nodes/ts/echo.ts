// Answers every delivery with a message back to its sender.
import { runNode } from "@sim/protocol/sdk";

await runNode({
  onDeliver(msg, node) {
    node.send(msg.from, { echo: msg.payload });
  },
});
