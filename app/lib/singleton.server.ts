// Keeps one instance per process even when a module is evaluated twice (the custom server
// bundle and the Remix build both include shared modules; dev rebuilds re-evaluate routes).
export function singleton<T>(name: string, create: () => T): T {
  const store = globalThis as unknown as { __singletons?: Map<string, unknown> };
  store.__singletons ??= new Map();
  if (!store.__singletons.has(name)) store.__singletons.set(name, create());
  return store.__singletons.get(name) as T;
}

/** The instance if something created it already, else undefined (never creates one). */
export function existingSingleton<T>(name: string): T | undefined {
  const store = globalThis as unknown as { __singletons?: Map<string, unknown> };
  return store.__singletons?.get(name) as T | undefined;
}
