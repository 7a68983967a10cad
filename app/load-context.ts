// What the custom server passes to every loader/action (see server/index.ts).
declare module "@remix-run/node" {
  interface AppLoadContext {
    requestId: string;
    cspNonce: string;
  }
}
export {};
