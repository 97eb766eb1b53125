// Tiny DOM helpers for the playground: elements by id (failing loudly when the page and the code disagree) and
// integer inputs read with a fallback.

export type Select = HTMLSelectElement;

/** The element with this id; throws if the page lacks it. */
export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`playground: no element #${id} in index.html`);
  return el as T;
}

/** An <input type=number> as an integer ≥ min, or `fallback` when empty or invalid. */
export function intInput(el: HTMLInputElement, fallback: number, min: number): number {
  const v = Number(el.value);
  return Number.isInteger(v) && v >= min ? v : fallback;
}
