// Whether operations record the graph for backward. noGrad(fn) turns recording off while fn runs.

let enabled = true;

/** Whether operations record the graph for backward now (false inside noGrad). */
export function isGradEnabled(): boolean {
  return enabled;
}

/** Run fn without recording the autograd graph (like `with torch.no_grad()`). */
export function noGrad<T>(fn: () => T): T {
  const prev = enabled;
  enabled = false;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/** Run fn with recording on or off. */
export function withGradEnabled<T>(on: boolean, fn: () => T): T {
  const prev = enabled;
  enabled = on;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}
