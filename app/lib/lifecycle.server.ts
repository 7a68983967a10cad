import { singleton } from "./singleton.server";

// Process lifecycle shared by the custom server (which flips it on SIGTERM) and the
// readiness route (which answers 503 while draining).
type Lifecycle = { startedAt: number; draining: boolean };

export const lifecycle: Lifecycle = singleton("lifecycle", () => ({
  startedAt: Date.now(),
  draining: false,
}));
