import { Children, type ReactNode } from 'react';
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
  children: ReactNode;
}

export function AppShell({
  nav,
  user,
  onSignOut,
  signingOut = false,
  brand,
  children,
}: AppShellProps) {
  const links = Children.toArray(nav);
  return (
    <div className="app-shell">
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="app-header">
        <div className="app-header__bar">
          <div className="app-header__brand">{brand ?? <span>Carryover</span>}</div>
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
          <nav className="app-nav" aria-label="Primary">
            <ul>
              {links.map((link, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: nav order is static
                <li key={i}>{link}</li>
              ))}
            </ul>
          </nav>
        )}
      </header>
      <main id="main" className="app-main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
