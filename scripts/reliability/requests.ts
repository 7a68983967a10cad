import type { Sent } from "./http";

// The valid request every reliability check uses as its reference.

/** A complete record of the required fields (a typical Ames house). */
export const VALID_RECORD = Object.freeze({
  Neighborhood: "North_Ames",
  Gr_Liv_Area: 1500,
  Total_Bsmt_SF: 1000,
  Lot_Area: 10000,
  Year_Built: 1975,
  Overall_Cond: "Average",
  Bedroom_AbvGr: 3,
  Full_Bath: 2,
  Half_Bath: 0,
  Garage_Cars: 2,
  Year_Sold: 2010,
  Mo_Sold: 6,
});

export const PREDICT_PATH = "/api/v1/predict";

export function predictRequest(apiKey: string, body: unknown = { records: [VALID_RECORD] }): Sent {
  return {
    method: "POST",
    path: PREDICT_PATH,
    headers: { "Content-Type": "application/json", "X-API-Key": apiKey },
    body: Buffer.from(JSON.stringify(body)),
  };
}
