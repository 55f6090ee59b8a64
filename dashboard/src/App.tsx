import { useEffect, useRef, useState } from 'preact/hooks';
import { Link } from './components/ui';
import { browserTimeZone } from './dates';
import { Catalogue } from './pages/Catalogue';
import { Overview } from './pages/Overview';
import { Reports } from './pages/Reports';
import { Sales } from './pages/Sales';
import { useLocation } from './router';
import { setTzMode, useAppState } from './store';

const NAV = [
  { path: '/', label: 'Overview' },
  { path: '/sales', label: 'Sales' },
  { path: '/catalogue', label: 'Catalogue' },
  { path: '/reports', label: 'Daily reports' },
];

export function App() {
  const loc = useLocation();
  const app = useAppState();
  const [menuOpen, setMenuOpen] = useState(false);
  const main = useRef<HTMLElement>(null);
  const section = `/${loc.path.split('/')[1] ?? ''}`;
  const firstRender = useRef(true);

  useEffect(() => {
    setMenuOpen(false);
    const title = NAV.find((n) => n.path === section)?.label ?? 'Overview';
    document.title = `${title} · Store dashboard`;
    // Move focus to the page on navigation (not on the first load) for keyboard and screen-reader users.
    if (firstRender.current) firstRender.current = false;
    else main.current?.focus({ preventScroll: true });
  }, [section]);

  const page =
    section === '/sales' ? <Sales loc={loc} /> : section === '/catalogue' ? <Catalogue loc={loc} /> : section === '/reports' ? <Reports loc={loc} /> : <Overview loc={loc} />;
  // Overview's range goes along to the other pages' links and back.
  const keep = (path: string) => {
    const p: Record<string, string | null> = {};
    if (path === '/' || path === '/sales') {
      for (const k of ['from', 'to', 'range']) p[k] = loc.params.get(k);
    }
    return p;
  };
  const browserTz = browserTimeZone();

  return (
    <div class="shell">
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); main.current?.focus(); }}>
        Skip to content
      </a>
      <header class="topbar">
        <div class="brand">
          <svg viewBox="0 0 32 32" width="24" height="24" aria-hidden="true">
            <rect width="32" height="32" rx="6" fill="#1f5fbf" />
            <path d="M7 23h4v-7H7zm7 0h4V9h-4zm7 0h4v-11h-4z" fill="#fff" />
          </svg>
          <span>Store dashboard</span>
        </div>
        <button type="button" class="btn menu-toggle" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen(!menuOpen)}>
          Menu
        </button>
        <nav id="nav" class={menuOpen ? 'open' : ''} aria-label="Main">
          <ul>
            {NAV.map((n) => (
              <li key={n.path}>
                <Link to={n.path} params={keep(n.path)} aria-current={section === n.path ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
          <div class="nav-tools">
            <label class="inline">
              Times in{' '}
              <select name="tz-mode" value={app.tzMode} onChange={(e) => setTzMode(e.currentTarget.value === 'browser' ? 'browser' : 'store')}>
                <option value="store">store time ({app.storeTz})</option>
                <option value="browser">my time ({browserTz})</option>
              </select>
            </label>
            {app.signOut && (
              <button type="button" class="btn small" onClick={app.signOut}>
                Sign out{app.userName ? ` ${app.userName}` : ''}
              </button>
            )}
          </div>
        </nav>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {page}
      </main>
    </div>
  );
}
