import type { ComponentChildren, JSX } from 'preact';
import { useId } from 'preact/hooks';
import { ApiError, type Category } from '../api';
import type { Async } from '../hooks';
import { formatDate, isDate } from '../dates';
import { href, linkClick } from '../router';

export function Link(props: { to: string; params?: Record<string, string | null | undefined> | URLSearchParams } & Omit<JSX.IntrinsicElements['a'], 'href'>) {
  const { to, params, ...rest } = props;
  return <a {...rest} href={href(to, params)} onClick={linkClick} />;
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/** A non-field error: the API's problem title and detail, or the error's message. */
export function Banner({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (!error) return null;
  let text: string;
  if (error instanceof ApiError) {
    const fields = error.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    text = error.detail ?? error.title;
    if (fields && !text.includes(fields)) text += ` (${fields})`;
    text = `${error.title === text ? '' : `${error.title}: `}${text}`;
  } else if (error instanceof Error) {
    text = error.name === 'TypeError' ? `The API could not be reached (${error.message}).` : error.message;
  } else {
    text = typeof error === 'string' ? error : 'Something went wrong.';
  }
  return (
    <div class="banner" role="alert">
      <span>{text}</span>
      {onRetry && (
        <button type="button" class="btn small" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

/** A labelled form control with the API's message for its field under it. */
export function Field(props: { label: string; error?: string | undefined; hint?: string; children: (id: string, describedBy: string | undefined) => ComponentChildren }) {
  const id = useId();
  const errId = props.error ? `${id}-err` : undefined;
  const hintId = props.hint ? `${id}-hint` : undefined;
  const describedBy = [errId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${props.error ? ' has-error' : ''}`}>
      <label for={id}>{props.label}</label>
      {props.children(id, describedBy)}
      {props.hint && (
        <small id={hintId} class="hint">
          {props.hint}
        </small>
      )}
      {props.error && (
        <small id={errId} class="field-error" role="alert">
          {props.error}
        </small>
      )}
    </div>
  );
}

/** A horizontally scrollable table region, reachable by keyboard. */
export function TableWrap({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

/** Splits an API error into field messages (for `fields`) and the rest (for a banner). */
export function splitErrors(error: unknown, fields: string[]): { byField: Record<string, string>; rest: unknown } {
  if (!(error instanceof ApiError) || error.errors.length === 0) return { byField: {}, rest: error };
  const byField: Record<string, string> = {};
  const unmatched = error.errors.filter((e) => {
    const f = fields.find((name) => e.field === name || e.field.startsWith(`${name}.`) || e.field === `/${name}`);
    if (f) {
      byField[f] = byField[f] ? `${byField[f]}; ${e.message}` : e.message;
      return false;
    }
    return true;
  });
  if (unmatched.length === 0) return { byField, rest: null };
  return { byField, rest: new ApiError(error.status, { ...error.body, errors: unmatched }) };
}

/**
 * What a load shows: its error (with a retry), a spinner until its first data, then `children`
 * of the data when `has` it, else the `empty` message.
 */
export function Loaded<T>(props: { of: Async<T>; loading?: string; has: (data: T) => boolean; empty: ComponentChildren; children: (data: T) => ComponentChildren }) {
  const { of, loading, has, empty, children } = props;
  if (of.error) return <Banner error={of.error} onRetry={of.reload} />;
  if (of.loading && !of.data) return <Loading label={loading} />;
  return of.data !== undefined && has(of.data) ? <>{children(of.data)}</> : <Empty>{empty}</Empty>;
}

/** A form's buttons: the primary submit one (disabled and saying `busyLabel` while `busy`), then `children`. */
export function FormActions({ label, busy = false, busyLabel, children }: { label: string; busy?: boolean; busyLabel?: string; children?: ComponentChildren }) {
  return (
    <div class="form-actions">
      <button type="submit" class="btn primary" disabled={busy}>
        {busy ? busyLabel : label}
      </button>
      {children}
    </div>
  );
}

/** One option a category, for a category select. */
export function CategoryOptions({ categories }: { categories: Category[] }) {
  return (
    <>
      {categories.map((c) => (
        <option key={c.name} value={c.name}>
          {c.name}
        </option>
      ))}
    </>
  );
}

/**
 * A calendar date typed as ISO 8601 (YYYY-MM-DD), never an ambiguous 01/02; the date it reads is
 * written out beside it ("= 8 Oct 2023").
 */
export function DateInput(props: { id?: string; name: string; value: string; required?: boolean; label?: string; describedBy?: string | undefined; onInput: (v: string) => void }) {
  const echoId = useId();
  const valid = isDate(props.value);
  return (
    <span class="date-input">
      <input
        id={props.id}
        type="text"
        name={props.name}
        value={props.value}
        required={props.required}
        inputMode="numeric"
        placeholder="YYYY-MM-DD"
        pattern={'\\d{4}-\\d{2}-\\d{2}'}
        size={11}
        autocomplete="off"
        aria-label={props.label}
        aria-describedby={[echoId, props.describedBy].filter(Boolean).join(' ')}
        aria-invalid={props.value !== '' && !valid}
        onInput={(e) => props.onInput(e.currentTarget.value.trim())}
      />
      <small id={echoId} class="date-echo muted">
        {props.value === '' ? 'YYYY-MM-DD' : valid ? formatDate(props.value) : 'not a date (YYYY-MM-DD)'}
      </small>
    </span>
  );
}

/** A row of toggle buttons, the one of `value` pressed; `children` lead the row (a caption). */
export function Segmented<T extends string>(props: { label: string; options: readonly { id: T; label: string }[]; value: T; onPick: (id: T) => void; children?: ComponentChildren }) {
  return (
    <div class="segmented" role="group" aria-label={props.label}>
      {props.children}
      {props.options.map((o) => (
        <button type="button" key={o.id} class="btn chip" aria-pressed={props.value === o.id} onClick={() => props.onPick(o.id)}>
          {o.label}
        </button>
      ))}
    </div>
  );
}

/** A form's submit handler that keeps the browser from submitting it and calls `handle`. */
export const onSubmitted = (handle: () => void) => (e: Event) => {
  e.preventDefault();
  handle();
};
