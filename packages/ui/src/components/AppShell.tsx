import { Children, type ReactNode, useEffect, useId, useState } from 'react';
import { Button } from './Button';

export interface AppShellUser {
  name: string;
  /** Shown under the name: "Therapist · SLP". */
  roleLabel: string;
}

export interface AppShellProps {
  /** Primary navigation links (e.g. router `NavLink`s); each is put in a list item. */
  nav: ReactNode;
  user: AppShellUser | null;
  onSignOut?: () => void;
  signingOut?: boolean;
  /** The product-name link's element, so the caller can use its router's link. */
  brand?: ReactNode;
  /** A line under the navigation on every page (online, offline, waiting to send). */
  status?: ReactNode;
  /** Changes on every navigation (the location's key): the phone menu closes after a tap. */
  navKey?: string;
  children: ReactNode;
}

export function AppShell({
  nav,
  user,
  onSignOut,
  signingOut = false,
  brand,
  status,
  navKey,
  children,
}: AppShellProps) {
  const links = Children.toArray(nav);
  // On a phone the links fold behind a Menu button; from tablet width up they are a row of tabs.
  const [menuOpen, setMenuOpen] = useState(false);
  const navId = useId();
  // biome-ignore lint/correctness/useExhaustiveDependencies: closes on navigation, by design
  useEffect(() => setMenuOpen(false), [navKey]);
  return (
    <div className="app-shell">
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="app-header">
        <div className="app-header__bar">
          <div className="app-header__brand">
            {links.length > 0 && (
              <button
                type="button"
                className="app-menu-button"
                aria-expanded={menuOpen}
                aria-controls={navId}
                onClick={() => setMenuOpen((open) => !open)}
              >
                <span aria-hidden="true" className="app-menu-button__icon" />
                Menu
              </button>
            )}
            {brand ?? <span>Carryover</span>}
          </div>
          {user && (
            <div className="app-header__user">
              <span className="app-header__who">
                <span className="app-header__name">{user.name}</span>
                <span className="app-header__role">{user.roleLabel}</span>
              </span>
              {onSignOut && (
                <Button variant="secondary" size="small" onClick={onSignOut} busy={signingOut}>
                  Sign out
                </Button>
              )}
            </div>
          )}
        </div>
        {links.length > 0 && (
          <nav
            id={navId}
            className={menuOpen ? 'app-nav app-nav--open' : 'app-nav'}
            aria-label="Primary"
          >
            <ul>
              {links.map((link, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: nav order is static
                <li key={i}>{link}</li>
              ))}
            </ul>
          </nav>
        )}
      </header>
      {status}
      <main id="main" className="app-main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
