import { render } from 'preact';
import { configureApi } from './api';
import { App } from './App';
import { loadConfig } from './config';
import { loadStoreTimezone, setState } from './store';
import './styles.css';

async function boot(): Promise<void> {
  const root = document.getElementById('app');
  if (!root) return;
  try {
    const config = await loadConfig();
    if (config.oidc) {
      // Only deployments that sign in load the OpenID Connect client.
      const { startSession } = await import('./auth');
      const session = await startSession(config.oidc);
      if (!session) return; // redirected to sign in
      configureApi(config.apiBaseUrl, () => session.accessToken(), () => void session.signIn());
      setState({ userName: session.userName(), signOut: () => void session.signOut() });
    } else {
      configureApi(config.apiBaseUrl, null, () => undefined);
    }
    await loadStoreTimezone().catch((e: unknown) => console.warn('store timezone unknown; using UTC', e));
    root.textContent = '';
    render(<App />, root);
  } catch (e) {
    root.innerHTML = '';
    const p = document.createElement('p');
    p.className = 'banner';
    p.setAttribute('role', 'alert');
    p.textContent = `The dashboard could not start: ${e instanceof Error ? e.message : String(e)}`;
    root.append(p);
  }
}

void boot();
