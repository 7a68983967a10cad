// Liveness: the process is up and the event loop answers. Nothing else is checked, so an
// orchestrator never restarts a healthy process because a dependency is down.
export const loader = () =>
  new Response(JSON.stringify({ status: "ok" }), {
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store" },
  });
