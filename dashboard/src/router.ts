// Routing: the page is the hash ("#/sales"), the view's state the query string, so that
// "/dashboard/?from=2022-01-01&to=2023-12-31" opens the overview on that range and any view can be
// bookmarked. Static hosting needs no rewrite rules: every URL loads the same index.html.
import { useEffect, useState } from 'preact/hooks';

export interface Location {
  path: string;
  params: URLSearchParams;
}

const EVENT = 'dashboard:navigate';

export function currentLocation(): Location {
  const hash = window.location.hash.replace(/^#/, '');
  return { path: hash.startsWith('/') ? hash : '/', params: new URLSearchParams(window.location.search) };
}

export function href(path: string, params?: URLSearchParams | Record<string, string | null | undefined>): string {
  const q = params instanceof URLSearchParams ? new URLSearchParams(params) : new URLSearchParams();
  if (params && !(params instanceof URLSearchParams)) {
    for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') q.set(k, v);
  }
  const s = q.toString();
  return `${import.meta.env.BASE_URL}${s ? `?${s}` : ''}${path === '/' ? '' : `#${path}`}`;
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === window.location.pathname + window.location.search + window.location.hash) return;
  if (opts.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(EVENT));
}

/** Replaces some query parameters of the current page (null removes one). */
export function setParams(changes: Record<string, string | null>, opts: { replace?: boolean } = {}): void {
  const loc = currentLocation();
  const q = new URLSearchParams(loc.params);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === '') q.delete(k);
    else q.set(k, v);
  }
  navigate(href(loc.path, q), opts);
}

export function useLocation(): Location {
  const [loc, setLoc] = useState(currentLocation);
  useEffect(() => {
    const update = () => setLoc(currentLocation());
    window.addEventListener('popstate', update);
    window.addEventListener('hashchange', update);
    window.addEventListener(EVENT, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener('hashchange', update);
      window.removeEventListener(EVENT, update);
    };
  }, []);
  return loc;
}

/** Click handler for in-app links: plain clicks navigate without reloading; modified clicks open normally. */
export function linkClick(e: MouseEvent): void {
  const a = e.currentTarget as HTMLAnchorElement;
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(a.getAttribute('href') ?? '/');
}
