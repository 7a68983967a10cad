import { describe, expect, it } from "vitest";
import { clampLabel, intervalLabels, textWidth } from "~/components/charts/label-layout";

type Box = [number, number];
const box = (l: { text: string; x: number; anchor: string }, size: number): Box => {
  const w = textWidth(l.text, size);
  const left = l.anchor === "start" ? l.x : l.anchor === "end" ? l.x - w : l.x - w / 2;
  return [left, left + w];
};

describe("chart label layout", () => {
  it("keeps both interval ends apart when they fit", () => {
    const out = intervalLabels(
      { text: "$150,000", x: 40 },
      { text: "$210,000", x: 280 },
      12,
      [2, 318],
    );
    expect(out.map((l) => l.anchor)).toEqual(["start", "end"]);
    const [a, b] = out.map((l) => box(l, 12));
    expect(a[1]).toBeLessThan(b[0]);
  });

  it("merges ends that would overlap into one label inside the chart", () => {
    for (const [lo, hi] of [
      [20, 60], // narrow band at the left edge (typical sale far to the right)
      [250, 300], // at the right edge
      [150, 170],
    ]) {
      const out = intervalLabels(
        { text: "$98,000", x: lo },
        { text: "$131,000", x: hi },
        12,
        [2, 318],
      );
      expect(out).toHaveLength(1);
      expect(out[0].text).toBe("$98,000 – $131,000");
      const [left, right] = box(out[0], 12);
      expect(left).toBeGreaterThanOrEqual(2);
      expect(right).toBeLessThanOrEqual(318);
    }
  });

  it("slides a label inwards at either edge", () => {
    expect(clampLabel("Northridge Heights typical", 5, 11, [2, 318]).anchor).toBe("start");
    expect(clampLabel("Northridge Heights typical", 315, 11, [2, 318]).anchor).toBe("end");
    expect(clampLabel("Ames typical", 160, 11, [2, 318]).anchor).toBe("middle");
  });
});
