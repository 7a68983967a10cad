// The monitoring page's line on the interval's online recalibration (ADR 0050).
import { describe, expect, it } from "vitest";
import type { Monitoring } from "~/api/schemas";
import { recalibrationText } from "~/routes/monitoring/view";

const base: Monitoring["recalibration"] = {
  enabled: true,
  window: 200,
  min_count: 100,
  min_factor: 1,
  max_factor: 1.5,
  scores: {},
  factors: {},
};

describe("recalibrationText", () => {
  it("says whether feedback widened the intervals, and by how much", () => {
    expect(recalibrationText({ ...base, enabled: false })).toBe(
      "Interval recalibration from sale prices is off.",
    );
    expect(recalibrationText({ ...base, scores: { all: 42 } })).toBe(
      "Intervals as calibrated: recalibration starts after 100 sale prices (42 so far).",
    );
    expect(
      recalibrationText({
        ...base,
        scores: { all: 200 },
        factors: { all: { factor: 1.2941, from_feedback: 200 } },
      }),
    ).toBe("Intervals widened × 1.29 from the last 200 sale prices.");
  });
});
