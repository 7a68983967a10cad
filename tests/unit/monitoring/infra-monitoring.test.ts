// The example Prometheus rules and CloudWatch alarms (infra/monitoring/) name only series the
// server exports, and the fields they single out are fields the reference describes.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { registerMonitorMetrics } from "~/inference/monitor/metrics.server";
import { getMetrics } from "~/lib/metrics.server";

const root = path.resolve(__dirname, "../../..");
const yaml = (file: string) => {
  const doc = parseDocument(readFileSync(path.join(root, file), "utf8"));
  expect([...doc.errors, ...doc.warnings].map((e) => e.message)).toEqual([]);
  return doc.toJS() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
};
const manifest = JSON.parse(
  readFileSync(path.join(root, "models/03073acd7c8e/manifest.json"), "utf8"),
) as { reference: { fields: Record<string, unknown> } };

registerMonitorMetrics();
const exported = new Set(
  getMetrics()
    .registry.getMetricsAsArray()
    .map((m) => (m as unknown as { name: string }).name),
);

describe("Prometheus rules", () => {
  const rules = yaml("infra/monitoring/prometheus-rules.yml");
  const all = (
    rules.groups as { rules: { expr: string; record?: string; alert?: string }[] }[]
  ).flatMap((g) => g.rules);
  const recorded = new Set(all.map((r) => r.record).filter(Boolean));

  it("use only exported series or rules recorded here", () => {
    for (const rule of all) {
      const names = rule.expr.match(/\b(model|capture)[a-z_:0-9]*\b/g) ?? [];
      for (const name of names)
        expect(exported.has(name) || recorded.has(name), `${name} in ${rule.expr}`).toBe(true);
    }
  });

  it("record a fleet-wide PSI per field and alert on it, never on the sale-date fields", () => {
    expect(recorded.has("model:feature_drift_psi:fleet1h")).toBe(true);
    const drift = all.find((r) => r.alert === "ModelFeatureDrift")!;
    expect(drift.expr).toContain("model:feature_drift_psi:fleet1h");
    expect(drift.expr).toMatch(/Year_Sold\|Mo_Sold/);
  });
});

describe("CloudWatch alarms", () => {
  const template = yaml("infra/monitoring/cloudwatch-alarms.yml");
  const alarms = Object.values(template.Resources as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any

  it("watch exported series, by fields the reference knows", () => {
    expect(alarms.length).toBeGreaterThanOrEqual(5);
    for (const alarm of alarms) {
      expect(alarm.Type).toBe("AWS::CloudWatch::Alarm");
      expect(exported.has(alarm.Properties.MetricName)).toBe(true);
      for (const d of alarm.Properties.Dimensions ?? []) {
        expect(Object.keys(manifest.reference.fields)).toContain(d.Value);
      }
    }
  });
});
