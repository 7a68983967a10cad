import { expect, test, type Page } from "@playwright/test";
import { cspViolations, failedLoads, watchPage } from "./helpers/console";
import { watchCspEvents } from "./helpers/pages";

// Smoke: the built app serves, renders, hydrates, and its CSP allows everything it loads.

const waitForHydration = (page: Page) =>
  // Remix's client router exists only once the nonce'd inline scripts and the modules ran.
  page.waitForFunction(() => "__remixRouter" in window, null, { timeout: 15_000 });

test("the home page renders with its title and heading", async ({ page }) => {
  const response = await page.goto("/");
  expect(response?.status()).toBe(200);
  await expect(page).toHaveTitle(/Ames/);
  const heading = page.getByRole("heading", { level: 1 });
  await expect(heading).toHaveCount(1);
  await expect(heading).toBeVisible();
  await expect(heading).not.toBeEmpty();
});

test("the home page hydrates with no CSP violations, console or page errors", async ({ page }) => {
  const problems = watchPage(page);
  await page.goto("/", { waitUntil: "networkidle" });
  await waitForHydration(page);
  const contextType = await page.evaluate(
    () => typeof (window as { __remixContext?: unknown }).__remixContext,
  );
  expect(contextType).toBe("object");
  expect(cspViolations(problems)).toEqual([]);
  expect(problems.consoleErrors).toEqual([]);
  expect(problems.pageErrors).toEqual([]);
  expect(failedLoads(problems)).toEqual([]);
});

test("an unknown URL shows the friendly 404 page with status 404", async ({ page }) => {
  const problems = watchPage(page);
  const response = await page.goto("/this/page/does-not-exist");
  expect(response?.status()).toBe(404);
  await expect(page).toHaveTitle(/not found/i);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
  await expect(page.getByRole("link", { name: /back/i })).toHaveAttribute("href", "/");
  // Inside the usual page frame: the site navigation, the API docs among its links.
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "API" })).toHaveAttribute("href", "/docs");
  await page.waitForLoadState("networkidle");
  expect(problems.pageErrors).toEqual([]);
  expect(cspViolations(problems)).toEqual([]);
  // Only the document itself failed (404), none of its assets.
  expect(failedLoads(problems)).toEqual(["404 /this/page/does-not-exist"]);
});

test("pages with nothing interactive load no JavaScript; their links still work", async ({
  page,
}) => {
  for (const path of ["/model", "/nowhere"]) {
    await page.goto(path);
    await expect(page.locator("script")).toHaveCount(0);
    await expect(page.locator('link[rel="modulepreload"]')).toHaveCount(0);
  }
  await page.getByRole("link", { name: /back/i }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { level: 1 })).not.toHaveText("Page not found");
  // The estimate page does need its JavaScript (validation, no-reload submit).
  await waitForHydration(page);
});

test("every page has a title and a meta description of its own", async ({ page }) => {
  const seen = new Set<string>();
  for (const path of ["/", "/batch", "/model", "/docs", "/nowhere"]) {
    await page.goto(path);
    const description = await page.locator('meta[name="description"]').getAttribute("content");
    expect(description?.length ?? 0, path).toBeGreaterThan(40);
    await expect(page.locator('meta[name="description"]')).toHaveCount(1);
    seen.add(description!);
  }
  expect(seen.size).toBe(5);
});

test("the CSP listener really sees violations (so the page-wide checks can fail)", async ({
  page,
}) => {
  const events = await watchCspEvents(page);
  await page.goto("/docs");
  // An inline script without the page's nonce: the CSP blocks it, and says so with the event.
  await page.evaluate(() => {
    const script = document.createElement("script");
    script.textContent = "window.__ran = true";
    document.body.append(script);
  });
  await expect.poll(events).toEqual([expect.stringMatching(/^script-src/)]);
  expect(await page.evaluate(() => "__ran" in window)).toBe(false);
});
