import { SCENARIO_LIMITS } from "./limits.js";
import type { NodeType } from "./types.js";

/** One entry of `nodes:` as written: a single node, or a group when it has `count`. */
export interface NodeEntry {
  /** The YAML key. */
  key: string;
  /** The entry's mapping (only trusted when `clean`). */
  input: Record<string, unknown>;
  /** null when the entry has no valid `type`. */
  type: NodeType | null;
  /** Number of nodes it stands for (1 without `count`). */
  size: number;
  /** Has `count`: members are named `<key>_<i>`. */
  grouped: boolean;
  /** Passed the schema: its keys can be read without further checks. */
  clean: boolean;
}

/** What a name used in `target`, `upstream` or a link stands for. */
export type NameMeaning =
  | { kind: "node"; entry: NodeEntry }
  | { kind: "group"; entry: NodeEntry }
  | { kind: "member"; entry: NodeEntry; index: number };

const INDEX = /^(?:0|[1-9][0-9]*)$/;

/**
 * Reads entries from raw `nodes:` data, tolerating entries that failed the schema.
 * `isNodeType` comes from the table of node kinds (passed in: the table's rows use
 * this module).
 */
export function readEntries(nodes: unknown, isClean: (key: string) => boolean, isNodeType: (type: unknown) => type is NodeType): NodeEntry[] {
  if (nodes === null || typeof nodes !== "object" || Array.isArray(nodes)) return [];
  return Object.entries(nodes as Record<string, unknown>).map(([key, value]) => {
    const input = value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
    const type = isNodeType(input.type) ? input.type : null;
    const count = input.count;
    const validCount = typeof count === "number" && Number.isInteger(count) && count >= 1 && count <= SCENARIO_LIMITS.maxNodes;
    return { key, input, type, size: validCount ? count : 1, grouped: count !== undefined, clean: isClean(key) };
  });
}

/** Concrete id of member `index` of `entry`. */
export function memberId(entry: NodeEntry, index: number): string {
  return entry.grouped ? `${entry.key}_${index}` : entry.key;
}

/**
 * Name lookup over entries without materialising every member id, so that a group
 * of a million nodes costs one map entry: a member id `<group>_<i>` is recognised
 * by splitting at its last underscore.
 */
export class NodeNames {
  private readonly byKey = new Map<string, NodeEntry>();

  constructor(readonly entries: readonly NodeEntry[]) {
    for (const entry of entries) this.byKey.set(entry.key, entry);
  }

  /** Every key with its meaning as a member of another group (a duplicate id or an ambiguous name). */
  collisions(): { entry: NodeEntry; group: NodeEntry; index: number }[] {
    const found: { entry: NodeEntry; group: NodeEntry; index: number }[] = [];
    for (const entry of this.entries) {
      const member = this.asMember(entry.key);
      if (member) found.push({ entry, group: member.entry, index: member.index });
    }
    return found;
  }

  lookup(name: string): NameMeaning | undefined {
    const entry = this.byKey.get(name);
    if (entry) return { kind: entry.grouped ? "group" : "node", entry };
    return this.asMember(name);
  }

  /** The concrete id that member `senderIndex` of a sender reaches through `meaning`. */
  static targetFor(meaning: NameMeaning, senderIndex: number): string {
    switch (meaning.kind) {
      case "group":
        return memberId(meaning.entry, senderIndex % meaning.entry.size);
      case "node":
        return meaning.entry.key;
      case "member":
        return memberId(meaning.entry, meaning.index);
    }
  }

  /** Every concrete id a name covers (all members for a group). */
  static idsOf(meaning: NameMeaning): string[] {
    if (meaning.kind === "group") return Array.from({ length: meaning.entry.size }, (_, i) => memberId(meaning.entry, i));
    return [NodeNames.targetFor(meaning, 0)];
  }

  /** Names a user could have meant: entry keys (members are left out: there may be millions). */
  suggestions(): Iterable<string> {
    return this.byKey.keys();
  }

  private asMember(name: string): { kind: "member"; entry: NodeEntry; index: number } | undefined {
    const cut = name.lastIndexOf("_");
    const suffix = name.slice(cut + 1);
    if (cut <= 0 || !INDEX.test(suffix)) return undefined;
    const group = this.byKey.get(name.slice(0, cut));
    const index = Number(suffix);
    if (!group || !group.grouped || index >= group.size) return undefined;
    return { kind: "member", entry: group, index };
  }
}
