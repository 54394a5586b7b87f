import { Button } from '@carryover/ui';
import { useEffect, useRef, useState } from 'react';

/** "Load more", which also fires by itself when it scrolls into view. */
export function MorePages({
  hasNextPage,
  fetching,
  failed,
  onMore,
  noun = 'students',
}: {
  hasNextPage: boolean;
  fetching: boolean;
  failed: boolean;
  onMore: () => void;
  /** What a page holds, for the button and the error: "students", "services". */
  noun?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [inView, setInView] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new IntersectionObserver(
      ([entry]) => setInView(entry?.isIntersecting ?? false),
      {
        rootMargin: '400px 0px',
      },
    );
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  // Still in view after a page arrived (a short page, a tall screen): fetch the next one too.
  // After a failure, wait for the button.
  useEffect(() => {
    if (inView && hasNextPage && !fetching && !failed) onMore();
  }, [inView, hasNextPage, fetching, failed, onMore]);

  return (
    <div ref={ref} className="load-more">
      {failed ? (
        <p role="alert" className="load-more__error">
          More {noun} could not be loaded.{' '}
          <Button variant="secondary" onClick={onMore}>
            Try again
          </Button>
        </p>
      ) : hasNextPage ? (
        <Button variant="secondary" onClick={onMore} busy={fetching}>
          {fetching ? `Loading more ${noun}…` : `Load more ${noun}`}
        </Button>
      ) : null}
    </div>
  );
}
