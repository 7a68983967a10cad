import { methodNotAllowed } from "~/api/route.server";
import { predictAction } from "./api.v1.predict";

// POST /api/v1/predict.csv — the same request as /api/v1/predict, always answered as CSV (the
// uploaded table with the result columns appended), whatever Accept says (ADR 0033).

export const loader = methodNotAllowed(["POST"]);
export const action = predictAction("csv");
