import { describe, expect, it } from "vitest";
import { createProgress, formatDuration, progressLine } from "../../../scripts/batch/progress";

describe("progress", () => {
  it("formats durations", () => {
    expect(formatDuration(0)).toBe("0:00");
    expect(formatDuration(75)).toBe("1:15");
    expect(formatDuration(3725)).toBe("1:02:05");
    expect(formatDuration(Number.NaN)).toBe("?");
  });

  it("shows rate, bar and ETA when the size is known, rate only when not", () => {
    const p = { bytes: 250, rows: 1000, scoredRows: 1000, chunks: 1 };
    expect(progressLine(p, 1000, 10, true)).toBe(
      "[######------------------] 25.0%  1,000 rows  100 rows/s  ETA 0:30  elapsed 0:10",
    );
    expect(progressLine(p, undefined, 10, false)).toBe("1,000 rows  100 rows/s  elapsed 0:10");
  });

  it("writes nothing when told never, and no carriage returns when not a terminal", () => {
    const written: string[] = [];
    const stream = {
      isTTY: false,
      write: (s: string) => written.push(s),
    } as unknown as NodeJS.WriteStream;
    const never = createProgress("never", 100, stream);
    never.update({ bytes: 1, rows: 1, scoredRows: 1, chunks: 1 });
    expect(written).toEqual([]);
    const auto = createProgress("auto", 100, stream);
    for (let i = 0; i < 100; i++) auto.update({ bytes: i, rows: i, scoredRows: i, chunks: i });
    auto.done();
    expect(written).toHaveLength(1); // at most one line per 30 s
    expect(written[0]).toMatch(/^progress: .*rows\/s.*\n$/);
    expect(written[0]).not.toContain("\r");
  });
});
