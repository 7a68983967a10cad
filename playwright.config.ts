import { defineConfig, devices } from "@playwright/test";
import { NODE_FLAGS } from "./server/node-flags";

// Browser tests against the BUILT production server (`npm run build` first; `make test` and
// `make test-e2e` do it). Debian's Chromium, never a downloaded browser (see toolchain.md).

const PORT = Number(process.env.E2E_PORT ?? 3210);
export const E2E_API_KEY = "e2e_key_0123456789abcdefghijk"; // ≥ 24 chars

export default defineConfig({
  testDir: "tests/e2e",
  outputDir: "tests/artifacts/test-results",
  fullyParallel: false,
  workers: 1, // 2-core machine: the server and Chromium already use both
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: "list",
  timeout: 60_000, // generous: Chromium cold starts on a busy 2-core CI box take seconds
  expect: { timeout: 10_000 },
  use: {
    ...devices["Desktop Chrome"],
    baseURL: `http://127.0.0.1:${PORT}`,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    // node directly (not npm/npx) so Playwright's PID is the server's and teardown kills it;
    // the node running Playwright (under make: the Makefile's Node 24), never another on PATH.
    command: `${JSON.stringify(process.execPath)} ${NODE_FLAGS.join(" ")} server-build/index.js`,
    url: `http://127.0.0.1:${PORT}/healthz`,
    reuseExistingServer: !process.env.CI,
    timeout: 90_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      NODE_ENV: "production",
      APP_ENV: "test",
      HOST: "127.0.0.1",
      PORT: String(PORT),
      METRICS_PORT: "0",
      API_KEYS: E2E_API_KEY,
      LOG_LEVEL: "warn",
    },
  },
});
