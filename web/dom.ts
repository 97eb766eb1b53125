// Tiny DOM helpers for the playground: elements by id (failing loudly when the page and the code disagree), integer
// inputs read and validated (an invalid value is reported, never silently clamped), and small element builders.

export type Select = HTMLSelectElement;

/** The element with this id; throws if the page lacks it. */
export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`playground: no element #${id} in index.html`);
  return el as T;
}

/** An integer control's rule: its name in messages and its allowed range. */
export interface IntRule {
  name: string;
  min: number;
  max: number;
}

/**
 * Reads an <input type=number> as an integer within its rule. Out of range, not an integer or empty: the input is marked
 * invalid (aria-invalid, red outline, its message as the tooltip) and the message is returned; the caller shows it
 * instead of computing with a value the student did not type.
 */
export function readInt(el: HTMLInputElement, rule: IntRule): { value: number; error: null } | { value: null; error: string } {
  const raw = el.value.trim();
  const v = Number(raw);
  let error: string | null = null;
  if (raw === "" || !Number.isFinite(v)) error = `${rule.name} needs a number`;
  else if (!Number.isInteger(v)) error = `${rule.name} must be a whole number, got ${raw}`;
  else if (v < rule.min || v > rule.max) error = `${rule.name} must be from ${rule.min} to ${rule.max}, got ${v}`;
  el.setAttribute("aria-invalid", error ? "true" : "false");
  el.title = error ?? "";
  return error ? { value: null, error } : { value: v, error: null };
}

/** Reads several integer inputs; the values by key, or every message joined. */
export function readInts<K extends string>(fields: Record<K, [HTMLInputElement, IntRule]>): { values: Record<K, number>; error: null } | { values: null; error: string } {
  const values = {} as Record<K, number>;
  const errors: string[] = [];
  for (const key of Object.keys(fields) as K[]) {
    const [el, rule] = fields[key];
    const r = readInt(el, rule);
    if (r.error !== null) errors.push(r.error);
    else values[key] = r.value;
  }
  return errors.length ? { values: null, error: `${errors.join("; ")}.` } : { values, error: null };
}

/** Shows a message in an error line (hidden when null). */
export function showError(el: HTMLElement, message: string | null): void {
  el.textContent = message ?? "";
  el.hidden = message === null;
}

/** <tag class=…>text</tag> */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = "", text = ""): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text) e.textContent = text;
  return e;
}

/**
 * Runs `draw` at the next animation frame, and only while `el` is on screen (else once it scrolls into view): what
 * the student cannot see is not drawn, so a busy section costs the page nothing while the student looks elsewhere.
 * Returns the function that asks for a drawing.
 */
export function drawWhenVisible(el: HTMLElement, draw: () => void): () => void {
  let visible = false, dirty = false, frame = 0;
  const request = () => {
    dirty = true;
    if (!visible || frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      if (!dirty) return;
      dirty = false;
      draw();
    });
  };
  new IntersectionObserver((entries) => {
    visible = entries.some((e) => e.isIntersecting);
    if (visible && dirty) request();
  }, { rootMargin: "200px" }).observe(el);
  return request;
}

/** A captioned figure around a canvas (or any element): the playground's labelled tile. */
export function tile(content: HTMLElement, caption: string, className = "tile"): HTMLElement {
  const f = el("figure", className);
  f.append(content, el("figcaption", "", caption));
  return f;
}
