import { expect, test, type Page } from "@playwright/test";
import { watchPage } from "./helpers/console";

// The estimate page in a real browser against the production build: with JavaScript, without
// it, with invalid input, on a phone. Screenshots go to tests/artifacts/screenshots/.

const SHOTS = "tests/artifacts/screenshots";

// Each test submits and renders a few pages on a shared 2-core machine: allow for it.
test.describe.configure({ timeout: 90_000 });

// Each run gets its own form rate-limit bucket (the server keys clients by X-Forwarded-For).
test.use({ extraHTTPHeaders: { "X-Forwarded-For": `192.0.2.${Math.floor(Math.random() * 250)}` } });

const hydrated = (page: Page) => page.waitForFunction(() => "__remixRouter" in window);
const dollars = (text: string) => Number(text.replace(/[^0-9]/g, ""));

test("drop-downs show words for the data's codes and submit the codes", async ({ page }) => {
  await page.goto("/");
  const lotConfig = page.getByLabel("Lot configuration");
  await expect(lotConfig.locator("option", { hasText: "Cul-de-sac" })).toHaveAttribute(
    "value",
    "CulDSac",
  );
  const labels = await page.locator("select option").allInnerTexts();
  expect(labels.filter((t) => /_|[a-z][A-Z]|^(Feedr|RRAe|GLQ|COD|Typ|Bnk|HLS)$/.test(t))).toEqual(
    [],
  );
  await expect(page.getByText("upstream quirk")).toHaveCount(0);
});

async function fillHome(page: Page) {
  await page.getByLabel("Neighbourhood", { exact: true }).selectOption("College_Creek");
  await page.getByLabel("Above-ground living area").fill("1800");
  await page.getByLabel("Year built").fill("2001");
  await page.getByLabel("Half bathrooms (above ground)").fill("1");
}

/** The result panel shows a price inside its interval, the factor chart and the imputed list. */
async function expectResult(page: Page) {
  const result = page.getByTestId("estimate-result");
  await expect(result).toBeVisible();
  const price = dollars(await result.getByTestId("price").innerText());
  expect(price).toBeGreaterThan(50_000);
  expect(price).toBeLessThan(600_000);
  const interval = await result.getByTestId("interval").innerText();
  expect(interval).toMatch(/^90% interval: \$[\d,]+ to \$[\d,]+$/);
  const [lower, upper] = interval
    .replace(/^90% interval: /, "")
    .split(" to ")
    .map(dollars);
  expect(lower).toBeLessThanOrEqual(price);
  expect(upper).toBeGreaterThanOrEqual(price);
  const chart = result.getByTestId("factor-chart");
  await expect(chart).toBeVisible();
  expect(await chart.locator("[data-factor]").count()).toBeGreaterThanOrEqual(3);
  await expect(chart.locator('[data-factor="Living area"] rect')).toHaveCount(1);
  await expect(result.getByTestId("interval-chart")).toBeVisible();
  await expect(result.getByTestId("neighbourhood")).toContainText("College Creek");
  await expect(result.getByTestId("imputed")).toContainText("not given");
  return price;
}

test("with JavaScript: fill, submit without a reload, see price, interval and factors", async ({
  page,
}) => {
  const problems = watchPage(page);
  await page.goto("/");
  await hydrated(page);
  await page.evaluate(() => Object.assign(window, { __sameDocument: true }));
  await fillHome(page);
  await page.getByRole("button", { name: "Estimate price" }).click();
  // Post/redirect/get: the URL now carries the inputs, so the result can be shared.
  await expect(page).toHaveURL(/[?&]Neighborhood=College_Creek(&|$)/);
  await expect(page).toHaveURL(/[?&]Gr_Liv_Area=1800(&|$)/);
  const price = await expectResult(page);
  expect(await page.evaluate(() => "__sameDocument" in window)).toBe(true); // no full reload
  // No page load announces the result: focus moves to it and a live region says the price.
  await expect(page.getByRole("heading", { name: "Estimated sale price" })).toBeFocused();
  await expect(page.getByTestId("announcement")).toHaveText(
    /^Estimated sale price \$[\d,]+; 90% interval \$[\d,]+ to \$[\d,]+\.$/,
  );
  await page.screenshot({ path: `${SHOTS}/estimate-js.png`, fullPage: true });

  // The shared URL gives the same estimate to someone else (a fresh page).
  const href = await page.getByTestId("share-link").getAttribute("href");
  const other = await page.context().newPage();
  await other.goto(href!);
  expect(dollars(await other.getByTestId("price").innerText())).toBe(price);
  expect(problems.pageErrors).toEqual([]);
  expect(problems.consoleErrors.filter((t) => !/favicon|status of 404/.test(t))).toEqual([]);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("a plain form POST comes back with the result", async ({ page }) => {
    await page.goto("/");
    await fillHome(page);
    await page.getByRole("button", { name: "Estimate price" }).click();
    await expect(page).toHaveURL(/[?&]Neighborhood=College_Creek(&|$)/);
    await expectResult(page);
    // The inputs stay in the form for the next estimate.
    await expect(page.getByLabel("Above-ground living area")).toHaveValue("1800");
    await expect(page.getByLabel("Neighbourhood", { exact: true })).toHaveValue("College_Creek");
    await page.screenshot({ path: `${SHOTS}/estimate-no-js.png`, fullPage: true });
  });

  test("invalid input comes back with errors next to the fields and the values kept", async ({
    page,
  }) => {
    await page.goto("/");
    // Skip the browser's own constraint check to exercise the server's validation.
    await page.locator("form[data-testid=estimate-form]").evaluate((f) => {
      (f as HTMLFormElement).noValidate = true;
    });
    await page.getByLabel("Above-ground living area").fill("50");
    await page.getByLabel("Year built").fill("");
    await page.getByLabel("Lot area").fill("12000");
    const response = page.waitForResponse((r) => r.request().method() === "POST");
    await page.getByRole("button", { name: "Estimate price" }).click();
    expect((await response).status()).toBe(422);
    await expectFieldError(page, "Above-ground living area", "Must be at least 100");
    await expectFieldError(page, "Year built", "Is required");
    await expect(page.getByLabel("Above-ground living area")).toHaveValue("50");
    await expect(page.getByLabel("Lot area")).toHaveValue("12000");
    await expect(page.getByLabel("Lot area")).not.toHaveAttribute("aria-invalid", "true");
    await expect(page.getByTestId("estimate-result")).toHaveCount(0);
    await page.screenshot({ path: `${SHOTS}/estimate-invalid-no-js.png`, fullPage: true });
  });

  test("a hand-edited result URL with bad values shows the errors instead of crashing", async ({
    page,
  }) => {
    const response = await page.goto(
      "/?Neighborhood=Atlantis&Gr_Liv_Area=abc&Total_Bsmt_SF=900&Lot_Area=9000&Year_Built=2001" +
        "&Overall_Cond=Average&Bedroom_AbvGr=3&Full_Bath=2&Half_Bath=1&Garage_Cars=2&Year_Sold=2009&Mo_Sold=6",
    );
    expect(response?.status()).toBe(422);
    await expectFieldError(page, "Neighbourhood", /^Must be one of: /, { exact: true });
    await expectFieldError(page, "Above-ground living area", "Must be a number");
    await expect(page.getByLabel("Year built")).toHaveValue("2001");
  });
});

test("with JavaScript, fields are checked on blur and a bad form is not sent", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  const area = page.getByLabel("Above-ground living area");
  await area.fill("50");
  await area.blur();
  await expectFieldError(page, "Above-ground living area", "Must be at least 100");
  // Fixing the value clears the error as you type.
  await area.fill("1500");
  await expect(area).not.toHaveAttribute("aria-invalid", "true");
  await area.fill("50");
  await page.getByRole("button", { name: "Estimate price" }).click();
  await expectFieldError(page, "Above-ground living area", "Must be at least 100");
  await expect(page).toHaveURL(/\/$/);
  await expect(area).toHaveValue("50");
  await expect(area).toBeFocused(); // Conform focuses the first invalid field
  await page.screenshot({ path: `${SHOTS}/estimate-invalid-js.png`, fullPage: true });
});

test("optional details are imputed when empty and used when given", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  await page.getByText("More details").click();
  await page.getByLabel("Fireplaces").fill("2");
  await page.getByRole("button", { name: "Estimate price" }).click();
  await expect(page).toHaveURL(/[?&]Fireplaces=2(&|$)/);
  const imputed = page.getByTestId("imputed");
  await expect(imputed).toContainText("not given");
  await imputed.locator("summary").click();
  await expect(imputed).toContainText("Street frontage");
  await expect(imputed).not.toContainText("Fireplaces");
  // A given optional field keeps "More details" open on the result page.
  await expect(page.locator("details", { has: page.locator("[name=Fireplaces]") })).toHaveAttribute(
    "open",
    "",
  );
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });

  test("the estimate flow works and nothing overflows sideways", async ({ page }) => {
    await page.goto("/");
    await hydrated(page);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      375,
    );
    await page.screenshot({ path: `${SHOTS}/estimate-phone-form.png`, fullPage: true });
    await fillHome(page);
    await page.getByRole("button", { name: "Estimate price" }).click();
    await expectResult(page);
    // The result comes before the form on a narrow screen.
    const resultBox = await page.getByTestId("estimate-result").boundingBox();
    const formBox = await page.getByTestId("estimate-form").boundingBox();
    expect(resultBox!.y).toBeLessThan(formBox!.y);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      375,
    );
    await page.screenshot({ path: `${SHOTS}/estimate-phone-result.png`, fullPage: true });
  });
});

async function expectFieldError(
  page: Page,
  label: string,
  message: string | RegExp,
  options: { exact?: boolean } = {},
) {
  const control = page.getByLabel(label, options);
  await expect(control).toHaveAttribute("aria-invalid", "true");
  const describedBy = (await control.getAttribute("aria-describedby")) ?? "";
  const errorId = describedBy.split(" ").find((id) => id.endsWith("-error"));
  expect(errorId, `aria-describedby of ${label} names its error`).toBeTruthy();
  await expect(page.locator(`[id="${errorId}"]`)).toHaveText(message);
}
