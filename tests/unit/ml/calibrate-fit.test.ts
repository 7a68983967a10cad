import { describe, expect, it } from "vitest";
import { calibrationCell } from "~/ml/calibration";
import { conformalQuantile } from "~/ml/interval";
import { chooseRounds } from "../../../training/backtest";
import {
  fitCalibration,
  INTERVAL_LEVEL,
  MIN_CELL_ROWS,
  type CalibrationRow,
} from "../../../training/calibrate";

function rows(
  n: number,
  patch: Partial<CalibrationRow>,
  residual: (i: number) => number,
): CalibrationRow[] {
  return Array.from({ length: n }, (_, i) => ({
    variant: "full",
    given: "full",
    sale: "typical",
    absResidual: residual(i),
    widen: false,
    similarity: 1,
    ...patch,
  }));
}

describe("fitCalibration", () => {
  const typical = rows(200, {}, (i) => i / 1000); // 0 … 0.199
  const atypical = rows(40, { sale: "atypical" }, (i) => i / 100); // 0 … 0.39
  const required = rows(
    200,
    { variant: "required", given: "required", sale: "unknown" },
    (i) => i / 500,
  );
  const tooFew = rows(MIN_CELL_ROWS - 1, { given: "most", sale: "atypical" }, () => 5);
  const widened = rows(50, { widen: true, similarity: 3 }, (i) => (i / 50) * 0.4);
  const calib = fitCalibration(
    [...typical, ...atypical, ...required, ...tooFew, ...widened],
    {},
    2.5,
  );

  it("takes each cell's split-conformal quantile over its rows that were not widened", () => {
    const q = (r: CalibrationRow[]) =>
      Number(
        conformalQuantile(
          r.map((x) => x.absResidual),
          INTERVAL_LEVEL,
        ).toFixed(5),
      );
    expect(calibrationCell(calib, "full", "typical").q).toBe(q(typical));
    expect(calibrationCell(calib, "full", "atypical").q).toBe(q(atypical));
    expect(calibrationCell(calib, "required", "unknown").q).toBe(q(required));
    expect(calib.cells.find((c) => c.given === "full" && c.sale === "any")?.n).toBe(240);
  });

  it("drops cells with too few rows (they fall back to a pooled cell)", () => {
    expect(calib.cells.some((c) => c.given === "most")).toBe(false);
    expect(calibrationCell(calib, "most", "atypical")).toMatchObject({
      given: "required",
      sale: "any",
    });
    expect(calibrationCell(calib, "full", "unknown")).toMatchObject({ given: "full", sale: "any" });
  });

  it("widens by the conformal quantile of the widened rows' residual / their cell's q", () => {
    const q = calibrationCell(calib, "full", "typical").q;
    const ratios = widened.map((r) => r.absResidual / q);
    expect(calib.sparse_factor).toBeCloseTo(conformalQuantile(ratios, INTERVAL_LEVEL), 4);
    expect(calib.sparse_above).toBe(2.5);
    // Never narrower than the cell.
    const calm = fitCalibration([...typical, ...rows(40, { widen: true }, () => 0)], {}, 2.5);
    expect(calm.sparse_factor).toBe(1);
  });
});

describe("chooseRounds", () => {
  it("takes the first round count with the lowest mean RMSE", () => {
    expect(chooseRounds([[3, 2, 1, 1, 2]])).toMatchObject({ rounds: 3 });
    expect(
      chooseRounds([
        [3, 2, 2],
        [3, 1, 4],
      ]),
    ).toEqual({ rounds: 2, curve: [3, 1.5, 3] });
  });
});
