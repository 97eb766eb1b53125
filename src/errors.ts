// Typed errors: every check in convkit throws one of these, naming the op, the shapes and the rule broken.

/** Base class of every error convkit throws on purpose. */
export class ConvkitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Shapes that do not fit the op's rule (mismatched channels, non-broadcastable dims, a kernel larger than its input…). */
export class ShapeError extends ConvkitError {}

/** An argument with a bad value: negative, non-integer or NaN sizes, unknown modes, out-of-range dims. */
export class ValueError extends ConvkitError {}

/** An operation on the wrong dtype, or two tensors of different dtypes. */
export class DTypeError extends ConvkitError {}

/** Misuse of autograd: backward() on a non-scalar without a gradient, on a tensor that does not require grad… */
export class GradError extends ConvkitError {}

/** A file or byte stream that is corrupt, truncated, hostile or of an unsupported format. */
export class FormatError extends ConvkitError {}

/** More memory than a backend can have: the WebAssembly memory's maximum, or what the engine could reserve. */
export class OutOfMemoryError extends ConvkitError {}
