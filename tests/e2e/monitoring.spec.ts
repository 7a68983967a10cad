import { expect, test, type APIRequestContext } from "@playwright/test";
import { E2E_API_KEY } from "../../playwright.config";
import { holdout, holdoutLike } from "../http/helpers/monitoring";

// The /monitoring page: drift bars per field from the server's window and the live accuracy
// from feedback, on a desktop and on a phone. The window is filled here through the API with
// living area doubled, so the page must flag exactly that field whatever ran before.

const SHOTS = "tests/artifacts/screenshots";
test.describe.configure({ timeout: 90_000 });

const headers = { "X-API-Key": E2E_API_KEY };

async function fillWindow(request: APIRequestContext) {
  const records = holdoutLike(1000, (r) => (r.Gr_Liv_Area = (r.Gr_Liv_Area as number) * 2));
  for (let i = 0; i < records.length; i += 250) {
    const res = await request.post("/api/v1/predict", {
      headers,
      data: { records: records.slice(i, i + 250) },
    });
    expect(res.status()).toBe(200);
  }
}

async function labelSome(request: APIRequestContext, n: number) {
  const { records, prices } = holdout();
  const res = await request.post("/api/v1/predict", {
    headers,
    data: { records: records.slice(0, n) },
  });
  const body = (await res.json()) as { predictions: { prediction_id: string }[] };
  const feedback = body.predictions.map((p, i) => ({
    prediction_id: p.prediction_id,
    sale_price: prices[i],
  }));
  const fb = await request.post("/api/v1/feedback", { headers, data: { feedback } });
  expect(fb.status()).toBe(200);
}

test.beforeAll(async ({ request }) => {
  await labelSome(request, 20);
  await fillWindow(request);
});

test("drift bars flag the doubled living area; live accuracy counts the sale prices", async ({
  page,
}) => {
  const response = await page.goto("/monitoring");
  expect(response?.status()).toBe(200);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Monitoring");
  await expect(page.getByRole("link", { name: "Monitoring" })).toHaveAttribute(
    "aria-current",
    "page",
  );
  const bars = page.getByTestId("drift-bar");
  expect(await bars.count()).toBeGreaterThan(60);
  // The most drifted watched field comes first.
  await expect(bars.first()).toHaveAttribute("data-field", "Gr_Liv_Area");
  await expect(bars.first()).toHaveAttribute("data-drifted", "true");
  await expect(page.locator('[data-drifted="true"]')).toHaveCount(1);
  // Bar lengths follow PSI (SVG widths: the CSP allows no inline styles).
  const width = async (field: string) =>
    Number(await page.locator(`[data-field="${field}"] svg rect`).nth(1).getAttribute("width"));
  expect(await width("Gr_Liv_Area")).toBeGreaterThan(5 * (await width("Lot_Area")));
  await expect(page.getByTestId("drift-summary")).toContainText("1 drifted: Gr_Liv_Area");
  const labelled = Number(
    (await page.getByTestId("live-labelled").textContent())?.replace(/,/g, ""),
  );
  expect(labelled).toBeGreaterThanOrEqual(20);
  await expect(page.getByTestId("live-rmsle")).toHaveText(/^\d\.\d{3}$/);
  await expect(page.getByTestId("live-coverage")).toHaveText(/%$/);
  // Online recalibration (on by default): as calibrated until 100 prices, then widened.
  await expect(page.getByTestId("recalibration")).toHaveText(/^Intervals (as calibrated|widened)/);
  await page.screenshot({ path: `${SHOTS}/monitoring.png`, fullPage: true });
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });

  test("the page fits the width: no sideways scroll", async ({ page }) => {
    await page.goto("/monitoring");
    await expect(page.getByTestId("drift-bars")).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      375,
    );
    await page.screenshot({ path: `${SHOTS}/monitoring-phone.png`, fullPage: true });
  });
});
