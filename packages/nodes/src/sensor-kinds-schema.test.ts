import { scenarioSchema } from "@sim/config";
import { expect, test } from "vitest";
import { SENSOR_KINDS } from "./sensor-kinds.js";

test("the scenario schema accepts exactly the sensor kinds this package can simulate", () => {
  const defs = (scenarioSchema as { $defs: Record<string, { enum?: string[] }> }).$defs;
  expect([...(defs.sensor_kind?.enum ?? [])].sort()).toEqual(Object.keys(SENSOR_KINDS).sort());
});
