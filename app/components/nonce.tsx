import { createContext, useContext } from "react";

// The CSP nonce of the current request, so <Scripts>/<ScrollRestoration> can be allowed
// by the Content-Security-Policy without 'unsafe-inline'.
const NonceContext = createContext<string | undefined>(undefined);
export const NonceProvider = NonceContext.Provider;
export const useNonce = () => useContext(NonceContext);
