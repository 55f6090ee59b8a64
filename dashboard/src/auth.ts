// Sign-in with OpenID Connect (authorization code + PKCE) through oidc-client-ts. This module is
// imported lazily, only when config.json names an issuer, so the local bundle does not carry it.
import { UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';
import type { OidcConfig } from './config';

export interface Session {
  accessToken(): Promise<string | null>;
  signIn(): Promise<void>;
  signOut(): Promise<void>;
  userName(): string | null;
}

interface ReturnState {
  returnTo: string;
}

export async function startSession(cfg: OidcConfig): Promise<Session | null> {
  const base = new URL(import.meta.env.BASE_URL, window.location.origin).toString();
  const manager = new UserManager({
    authority: cfg.authority,
    client_id: cfg.clientId,
    redirect_uri: base,
    post_logout_redirect_uri: base,
    scope: cfg.scope ?? 'openid',
    response_type: 'code',
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    automaticSilentRenew: false,
  });

  const params = new URLSearchParams(window.location.search);
  let user: User | null;
  if (params.has('code') && params.has('state')) {
    user = await manager.signinRedirectCallback();
    const state = user.state as ReturnState | undefined;
    window.history.replaceState(null, '', state?.returnTo ?? base);
  } else {
    user = await manager.getUser();
  }
  const signIn = async () => {
    const returnTo = window.location.pathname + window.location.search + window.location.hash;
    await manager.signinRedirect({ state: { returnTo } satisfies ReturnState });
  };
  if (!user || user.expired) {
    await signIn();
    return null; // the browser is leaving for the issuer
  }
  let current: User | null = user;
  manager.events.addUserLoaded((u) => {
    current = u;
  });
  manager.events.addUserUnloaded(() => {
    current = null;
  });
  return {
    async accessToken() {
      if (current && !current.expired) return current.access_token;
      current = await manager.getUser();
      return current && !current.expired ? current.access_token : null;
    },
    signIn,
    async signOut() {
      await manager.removeUser();
      await manager.signoutRedirect().catch(() => window.location.assign(base));
    },
    userName() {
      const p = current?.profile;
      return p?.email ?? p?.preferred_username ?? p?.name ?? null;
    },
  };
}
