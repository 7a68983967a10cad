import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

const alias = { "~": fileURLToPath(new URL("./app", import.meta.url)) };

// Three suites: fast unit tests, the training pipeline on real data (runs XGBoost), and
// HTTP tests against the built, started server (real sockets). `npm test` runs all three.
export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.{ts,tsx}"],
          environment: "node",
          // A hang guard, not a speed check: property tests of thousands of runs took 4-5 s on
          // a loaded machine against vitest's default 5 s.
          testTimeout: 30_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: "training",
          include: ["tests/training/**/*.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          poolOptions: { forks: { singleFork: true } },
        },
      },
      {
        resolve: { alias },
        test: {
          name: "http",
          include: ["tests/http/**/*.test.ts", "tests/reliability/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 90_000,
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
