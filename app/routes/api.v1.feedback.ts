import { apiRoute, json, methodNotAllowed } from "~/api/route.server";
import { FEEDBACK_MAX_ITEMS, FeedbackRequestSchema, type FeedbackResponse } from "~/api/schemas";
import { recordFeedback } from "~/inference/monitor/monitor.server";
import { bodyKind, decodeBodyText, parseJson } from "~/lib/body.server";
import { getConfig } from "~/lib/config.server";
import { issuesFromZod } from "~/ml/issues";
import {
  InvalidInputError,
  MethodNotAllowedError,
  PayloadTooLargeError,
} from "~/lib/errors.server";

// POST /api/v1/feedback — `{feedback: [{prediction_id, sale_price, sold_at?}]}`: sale prices of
// predicted homes, joined with the predictions this task still holds (live accuracy) and
// written to the prediction log. Unknown ids are answered per item, never dropped silently.

export const loader = methodNotAllowed(["POST"]);

function parseFeedback(body: unknown) {
  const parsed = FeedbackRequestSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issues = issuesFromZod(parsed.error.issues, "is not a known property").slice(0, 50);
  const shown = issues.slice(0, 3).map((i) => `${i.path} ${i.message}`);
  throw new InvalidInputError(
    `Invalid feedback: ${shown.join("; ")}${issues.length > 3 ? "; …" : ""}`,
    issues,
  );
}

// A full request (FEEDBACK_MAX_ITEMS items of ≤ ~200 bytes) is about 2 MB, pretty-printed
// more; the bound keeps a request's parse and validation work in proportion to what it can
// record.
const MAX_FEEDBACK_BYTES = 4 * 1024 * 1024;

/** Refuses an oversized list before zod checks every item of it. */
function checkItemCount(body: unknown): void {
  const items = (body as { feedback?: unknown } | null)?.feedback;
  if (Array.isArray(items) && items.length > FEEDBACK_MAX_ITEMS) {
    throw new PayloadTooLargeError(
      `${items.length} feedback items exceed the limit of ${FEEDBACK_MAX_ITEMS} per request.`,
    );
  }
}

export const action = apiRoute("api-key", async ({ request, readBody }) => {
  if (request.method !== "POST") throw new MethodNotAllowedError(["POST"]);
  bodyKind(request, ["json"]);
  const body = await readBody(Math.min(getConfig().maxBodyBytes, MAX_FEEDBACK_BYTES));
  const parsed = parseJson(decodeBodyText(body), FEEDBACK_MAX_ITEMS + 8);
  checkItemCount(parsed);
  const { feedback } = parseFeedback(parsed);
  const outcomes = recordFeedback(feedback);
  const counts = { recorded: 0, updated: 0, unknown: 0 };
  for (const outcome of outcomes) counts[outcome]++;
  const answer: FeedbackResponse = {
    results: feedback.map((item, i) => ({
      prediction_id: item.prediction_id,
      status: outcomes[i],
    })),
    counts,
  };
  return json(answer);
});
