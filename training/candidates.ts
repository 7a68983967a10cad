// The candidate models the backtest chooses between (`npm run train -- --select`), and the
// recorded choice (training/selection.json) that the default run ships.
import { readFileSync } from "node:fs";
import type { Candidate } from "./backtest";

/**
 * Monotone constraints are not a candidate: they are a product requirement (ADR 0025); the
 * backtest measures what they cost. The down-weighting value was set in an exploratory backtest
 * (0.25 beat 0.5 and 0.1, docs/training.md).
 */
export const CANDIDATES: readonly (Candidate & { description: string })[] = [
  { name: "trees", nonNormalWeight: 1, description: "XGBoost trees only" },
  {
    name: "trees+weights",
    nonNormalWeight: 0.25,
    description: "trees; sales other than Normal/Partial weighted 0.25",
  },
  {
    name: "linear+trees",
    nonNormalWeight: 1,
    linearLambda: 0.01,
    description: "ridge on log price (λ 0.01), trees on its residuals",
  },
  {
    name: "linear+trees+weights",
    nonNormalWeight: 0.25,
    linearLambda: 0.01,
    description: "ridge + trees; sales other than Normal/Partial weighted 0.25",
  },
];

/** How many parts a candidate adds to plain trees (down-weighting, linear part). */
export function parts(c: Candidate): number {
  return (c.nonNormalWeight !== 1 ? 1 : 0) + (c.linearLambda !== undefined ? 1 : 0);
}

export type Selection = {
  chosen: string;
  rule: string;
  seeds: number[];
  candidates: { name: string; description: string; score: number; [k: string]: unknown }[];
};

export const SELECTION_FILE = "training/selection.json";

export function readSelection(file = SELECTION_FILE): Selection {
  return JSON.parse(readFileSync(file, "utf8")) as Selection;
}

export function chosenCandidate(selection: Selection): Candidate & { description: string } {
  const c = CANDIDATES.find((x) => x.name === selection.chosen);
  if (!c) throw new Error(`${SELECTION_FILE} chooses "${selection.chosen}", not a candidate`);
  return c;
}
