import type { ReactNode } from 'react';

export interface TableScrollProps {
  /** Names the region for assistive tech (the table's subject). */
  label: string;
  children: ReactNode;
}

/**
 * Holds a table that may be wider than a phone's screen: the table scrolls sideways inside it
 * (never the page), and the region takes keyboard focus so it can be scrolled without a mouse.
 */
export function TableScroll({ label, children }: TableScrollProps) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: scroll container must be reachable by keyboard
    <section className="table-scroll" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}
