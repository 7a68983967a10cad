import type { ConsoleMessage, Page } from "@playwright/test";

export type PageProblems = {
  /** console.error messages (Chromium reports CSP violations here), minus resource 404s. */
  consoleErrors: string[];
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
  /** "STATUS path" of every response ≥ 400 (the document and its sub-resources). */
  failedResponses: string[];
};

/** Collects console errors, uncaught page errors and failed responses from now on. */
export function watchPage(page: Page): PageProblems {
  const problems: PageProblems = { consoleErrors: [], pageErrors: [], failedResponses: [] };
  page.on("console", (message: ConsoleMessage) => {
    // "Failed to load resource" duplicates a failed response, which is tracked with its URL.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
      problems.consoleErrors.push(message.text());
    }
  });
  page.on("pageerror", (error) => problems.pageErrors.push(error.message));
  page.on("response", (response) => {
    if (response.status() >= 400) {
      problems.failedResponses.push(`${response.status()} ${new URL(response.url()).pathname}`);
    }
  });
  return problems;
}

/** Console errors that are Content-Security-Policy violations. */
export const cspViolations = (problems: PageProblems) =>
  problems.consoleErrors.filter((text) => /Content[- ]Security[- ]Policy/i.test(text));

/** Failed responses other than the browser's automatic favicon probe. */
export const failedLoads = (problems: PageProblems) =>
  problems.failedResponses.filter((entry) => !entry.endsWith(" /favicon.ico"));
