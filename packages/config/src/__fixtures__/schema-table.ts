import { readFileSync } from "node:fs";
import { expect, it } from "vitest";

export type Schema = Record<string, unknown>;

/** schema.json as plain data, read from the file (not the frozen module export). */
export const schemaDefs = (JSON.parse(readFileSync(new URL("../../schema.json", import.meta.url), "utf8")) as { $defs: Record<string, Schema> }).$defs;

type Union = { properties: { type: { enum: string[] } }; allOf: { if: { properties: { type: { const: string } } }; then: { $ref: string } }[] };

/**
 * The tests that tie a table of kinds (node kinds, network kinds) to the `type` union
 * `$defs.<union>` of schema.json: the enum, one if/then branch per row and each row's
 * own definition. Call inside a `describe`.
 */
export function itMatchesSchemaUnion(union: string, types: readonly string[], schemaOf: (type: string) => string): void {
  const def = schemaDefs[union] as Union;

  it("enumerates the table's types, in its order", () => {
    expect(def.properties.type.enum).toEqual([...types]);
  });

  it("has one if/then branch per row, pointing at the row's definition", () => {
    const branches = def.allOf.map((b) => [b.if.properties.type.const, b.then.$ref]);
    expect(branches).toEqual(types.map((type) => [type, `#/$defs/${schemaOf(type)}`]));
  });

  it.each(types)("%s: its definition is for its type only", (type) => {
    const own = schemaDefs[schemaOf(type)];
    expect(own, `$defs.${schemaOf(type)}`).toBeDefined();
    expect((own!.properties as Record<string, Schema>).type).toEqual({ const: type });
    expect(own!.additionalProperties).toBe(false);
  });
}
