import { expect, test, type Page } from "@playwright/test";
import { EXTREME_URL, RESULT_URL } from "./helpers/pages";

// The estimate page shows what the API's trust fields say: warnings next to the price and a
// wider interval for a home outside the training data, the filled-in factors apart from the
// given ones, and comparable sales.

const SHOTS = "tests/artifacts/screenshots";
test.describe.configure({ timeout: 90_000 });
test.use({ extraHTTPHeaders: { "X-Forwarded-For": `192.0.2.${Math.floor(Math.random() * 250)}` } });

const dollars = (text: string) => Number(text.replace(/[^0-9]/g, ""));

/** upper ÷ lower of the shown interval. */
async function intervalRatio(page: Page) {
  const text = await page.getByTestId("interval").innerText();
  const [lower, upper] = text
    .replace(/^\d+% interval: /, "")
    .split(" to ")
    .map(dollars);
  expect(lower).toBeGreaterThan(0);
  return upper / lower;
}

const TYPICAL_URL =
  "/?Neighborhood=North_Ames&Gr_Liv_Area=1200&Total_Bsmt_SF=1000&Lot_Area=9000&Year_Built=1965" +
  "&Overall_Cond=Average&Bedroom_AbvGr=3&Full_Bath=1&Half_Bath=1&Garage_Cars=1&Year_Sold=2009&Mo_Sold=6";

test("a typical home: no warnings, the usual interval", async ({ page }) => {
  await page.goto(TYPICAL_URL);
  await expect(page.getByTestId("estimate-result")).toBeVisible();
  await expect(page.getByTestId("estimate-warnings")).toHaveCount(0);
  expect(await intervalRatio(page)).toBeLessThan(2);
});

test("an out-of-range home: warnings next to the price and a wider interval", async ({ page }) => {
  await page.goto(TYPICAL_URL);
  const typicalRatio = await intervalRatio(page);

  await page.goto(EXTREME_URL);
  const result = page.getByTestId("estimate-result");
  const warnings = result.getByTestId("estimate-warnings");
  await expect(warnings).toBeVisible();
  await expect(warnings.locator('[data-warning="above_training_range"]').first()).toContainText(
    "Above-ground living area 20,000 is above the largest in the training sales",
  );
  await expect(warnings.locator('[data-warning="few_similar_homes"]')).toHaveCount(1);
  await expect(result.getByTestId("interval-widened")).toContainText(
    "a value you gave is outside the training data",
  );
  // The warning sits right under the price and its interval, before the charts.
  const priceBox = (await result.getByTestId("interval").boundingBox())!;
  const warnBox = (await warnings.boundingBox())!;
  const chartBox = (await result.getByTestId("interval-chart").boundingBox())!;
  expect(warnBox.y).toBeGreaterThan(priceBox.y);
  expect(warnBox.y).toBeLessThan(chartBox.y);
  expect(await intervalRatio(page)).toBeGreaterThan(typicalRatio * 1.5);
  await page.screenshot({ path: `${SHOTS}/estimate-out-of-range.png`, fullPage: true });
});

test("factors: the given ones apart from those filled in with typical values", async ({ page }) => {
  await page.goto(RESULT_URL);
  const given = page.getByTestId("given-factors");
  const filled = page.getByTestId("imputed-factors");
  await expect(given.getByRole("heading", { name: "From the details you gave" })).toBeVisible();
  await expect(
    filled.getByRole("heading", { name: "Filled in with typical values" }),
  ).toBeVisible();
  await expect(filled).toContainText(/You did not give \d+ details/);
  expect(await given.locator("[data-factor]").count()).toBeGreaterThanOrEqual(3);
  expect(await filled.locator("[data-factor]").count()).toBeGreaterThanOrEqual(2);
  // Living area was given: its bar is among the given factors.
  await expect(given.locator('[data-factor="Living area"]')).toHaveCount(1);

  // Giving every optional detail of a group moves its factor out of "filled in".
  await page.goto(
    `${RESULT_URL}&Fireplaces=1&TotRms_AbvGrd=5&Kitchen_AbvGr=1&Bsmt_Full_Bath=0&Bsmt_Half_Bath=0`,
  );
  await expect(page.getByTestId("imputed-factors").locator('[data-factor="Rooms"]')).toHaveCount(0);
});

test("comparable sales: up to five, each with sale and adjusted price, date, place and home", async ({
  page,
}) => {
  await page.goto(RESULT_URL);
  const section = page.getByTestId("comparables");
  await expect(section.getByRole("heading", { name: "Comparable sales" })).toBeVisible();
  const cards = section.getByTestId("comparable");
  const n = await cards.count();
  expect(n).toBeGreaterThanOrEqual(1);
  expect(n).toBeLessThanOrEqual(5);
  for (let i = 0; i < n; i++) {
    const card = cards.nth(i);
    expect(dollars(await card.getByTestId("comparable-sale").innerText())).toBeGreaterThan(10_000);
    expect(dollars(await card.getByTestId("comparable-adjusted").innerText())).toBeGreaterThan(
      10_000,
    );
    await expect(card).toContainText(
      /(January|February|March|April|May|June|July|August|September|October|November|December) 20(06|07|08|09)/,
    );
    await expect(card).toContainText(/\d+\.\d km away/);
    await expect(card).toContainText(/[\d,]+ sq ft · built \d{4} · \d+ beds? · [\d.]+ baths?/);
  }
});
