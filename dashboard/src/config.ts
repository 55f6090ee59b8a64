// Runtime configuration, fetched from `config.json` next to index.html (written by the local
// runner, or by the deployment in AWS).

export interface OidcConfig {
  authority: string;
  clientId: string;
  scope?: string;
}

export interface RuntimeConfig {
  /** Base URL of the HTTP API; "" means the dashboard's own origin. */
  apiBaseUrl: string;
  /** OpenID Connect sign-in (authorization code + PKCE); null: no sign-in (local). */
  oidc: OidcConfig | null;
}

export async function loadConfig(): Promise<RuntimeConfig> {
  const res = await fetch(`${import.meta.env.BASE_URL}config.json`, { cache: 'no-store' });
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  const raw = (await res.json()) as Partial<RuntimeConfig>;
  const oidc = raw.oidc && typeof raw.oidc.authority === 'string' && typeof raw.oidc.clientId === 'string' ? raw.oidc : null;
  return { apiBaseUrl: (raw.apiBaseUrl ?? '').replace(/\/+$/, ''), oidc };
}
