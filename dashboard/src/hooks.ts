import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Page } from './api';

export interface Async<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Runs `load` when `deps` change or on `reload` (aborting the previous run) and tracks its
 * `loading` and `error`; `onData` takes what a run gave, `onError` is told that it failed.
 */
function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[], onData: (d: T) => void, onError?: () => void) {
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const latest = useRef({ load, onData, onError });
  latest.current = { load, onData, onError };
  useEffect(() => {
    const ctrl = new AbortController();
    setLoading(true);
    setError(null);
    latest.current.load(ctrl.signal).then(
      (d) => {
        if (ctrl.signal.aborted) return;
        latest.current.onData(d);
        setLoading(false);
      },
      (e: unknown) => {
        if (ctrl.signal.aborted) return;
        latest.current.onError?.();
        setError(e);
        setLoading(false);
      },
    );
    return () => ctrl.abort();
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { error, setError, loading, setLoading, reload };
}

/** Runs `load` when `deps` change (aborting the previous run) and tracks its outcome. */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Async<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const { error, loading, reload } = useLoad(load, deps, (d) => setData(() => d));
  return { data, error, loading, reload };
}

export interface Paged<T> {
  /** The pages read so far; null before the first page came, or when it failed. */
  items: T[] | null;
  /** The query the items are for (after the first page came or failed). */
  shownFor: string | null;
  /** The next page's cursor, null on the last page. */
  cursor: string | null;
  loading: boolean;
  error: unknown;
  setError: (e: unknown) => void;
  /** Reads the next page onto the items. */
  more: () => Promise<void>;
  reload: () => void;
}

/**
 * A list read a page at a time: the first page of `query` (again when it changes, or on
 * `reload`), then the next on `more`. `load` reads the page at `cursor` (null: the first).
 */
export function usePaged<T>(query: string, load: (cursor: string | null, signal?: AbortSignal) => Promise<Page<T>>): Paged<T> {
  const [list, setList] = useState<{ items: T[] | null; cursor: string | null; shownFor: string | null }>({ items: null, cursor: null, shownFor: null });
  const run = useLoad(
    (signal) => load(null, signal),
    [query],
    (page) => setList({ items: page.items, cursor: page.next_cursor, shownFor: query }),
    () => setList({ items: null, cursor: null, shownFor: query }),
  );
  const more = async () => {
    if (!list.cursor) return;
    run.setLoading(true);
    try {
      const page = await load(list.cursor);
      setList((old) => ({ ...old, items: [...(old.items ?? []), ...page.items], cursor: page.next_cursor }));
    } catch (e) {
      run.setError(e);
    } finally {
      run.setLoading(false);
    }
  };
  return { ...list, loading: run.loading, error: run.error, setError: run.setError, more, reload: run.reload };
}

/** A form's submission: `busy` while `action` runs, what it threw in `error`. */
export function useSubmit(action: () => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, submit };
}
