import type { PredictionInterval } from "~/api/schemas";
import { singleton } from "~/lib/singleton.server";
import { cents, priceInterval } from "~/ml/interval";
import {
  factorFor,
  NO_RECALIBRATION,
  Recalibrator,
  type RecalibrationSettings,
  type RecalibrationSnapshot,
} from "~/monitoring/recalibrate";

// Serving side of the online recalibration (ADR 0050). The monitor (event loop) keeps the
// Recalibrator fed by feedback; every scoring place reads the snapshot in use here: the event
// loop the monitor's, a scoring thread the one its task brought (threads.server.ts). In memory,
// per process: a restart or a new model starts again from the static calibration.

/**
 * Chosen by the backtest replay (training/recalibration.json, `npm run train:recalibration`);
 * a unit test keeps the two equal. The floor (1) and the cap are bounds on what feedback can
 * do, not fitted: an interval is never narrower than the backtest's calibration gave.
 */
export const RECALIBRATION: RecalibrationSettings = {
  window: 200,
  minCount: 100,
  pooling: "all",
  minFactor: 1,
  maxFactor: 1.5,
  level: 0.9,
};

// Per thread, not per copy of this module: the server's bundle and the Remix build each hold
// one, and the monitor sets the snapshot through the routes' copy while the scoring pool's
// host (pool-host.server.ts, the server's) reads it for every task.
const serving = singleton("serving-recalibration", () => ({ snapshot: NO_RECALIBRATION }));

/** The snapshot intervals are served with in this thread. */
export const servingRecalibration = (): RecalibrationSnapshot => serving.snapshot;

export function useRecalibration(snapshot: RecalibrationSnapshot | undefined): void {
  serving.snapshot = snapshot ?? NO_RECALIBRATION;
}

/** A new recalibrator, or undefined when RECALIBRATE_INTERVALS is off. */
export function newRecalibrator(enabled: boolean): Recalibrator | undefined {
  useRecalibration(undefined);
  return enabled ? new Recalibrator(RECALIBRATION) : undefined;
}

/**
 * The interval as served: its half-width `half` (log) × the factor of its pool, which it then
 * names; unchanged while feedback has not activated a factor.
 */
export function recalibrateInterval(
  interval: PredictionInterval,
  half: number,
  logPred: number,
): PredictionInterval {
  const f = factorFor(serving.snapshot, interval.group);
  if (!f) return interval;
  const widened = priceInterval(logPred, half * f.factor, interval.level);
  return {
    ...interval,
    lower: cents(widened.lower),
    upper: cents(widened.upper),
    recalibrated: f,
  };
}

/** The static (calibrated) log half-width of a served interval. */
export function staticHalfWidth(interval: PredictionInterval): number {
  return Math.log(interval.upper / interval.lower) / 2 / (interval.recalibrated?.factor ?? 1);
}
