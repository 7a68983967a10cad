import { describe, expect, it } from "vitest";
import { uncountedMeter } from "~/inference/meter.server";
import { handleApiBody, type ApiBodyInput } from "~/inference/api-body.server";
import { MAX_CSV_COLUMNS } from "~/inference/csv.server";
import { PayloadTooLargeError } from "~/lib/errors.server";
import { MINIMAL_RECORD } from "../../http/helpers/api-fixtures";
import { useServingModel } from "./serving-model";

// The JSON body's per-record member limit (ADR 0030), checked before any record is validated.

const servingModel = useServingModel();

const input = (records: unknown[]): ApiBodyInput => ({
  body: Buffer.from(JSON.stringify({ records })),
  kind: "json",
  flags: {},
  csvOut: false,
  maxRows: 1000,
});

/** MINIMAL_RECORD padded with unknown members up to `members` in all. */
function withMembers(members: number): Record<string, unknown> {
  const record: Record<string, unknown> = { ...MINIMAL_RECORD };
  for (let i = 0; Object.keys(record).length < members; i++) record[`extra_${i}`] = i;
  return record;
}

describe("JSON records' member limit", () => {
  it("refuses a record with more members than a CSV may have columns, naming it (413)", async () => {
    const records = [MINIMAL_RECORD, withMembers(MAX_CSV_COLUMNS + 1)];
    const error = await handleApiBody(servingModel(), input(records), uncountedMeter).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as Error).message).toBe(
      `records[1] has ${MAX_CSV_COLUMNS + 1} members; at most ${MAX_CSV_COLUMNS} are allowed.`,
    );
  });

  it("validates a record at the limit as usual: its unknown members are field errors", async () => {
    const out = await handleApiBody(
      servingModel(),
      input([MINIMAL_RECORD, withMembers(MAX_CSV_COLUMNS)]),
      uncountedMeter,
    );
    const body = JSON.parse(out.body) as { counts: { ok: number; failed: number } };
    expect(body.counts).toEqual({ ok: 1, failed: 1 });
  });
});
