// `node --import tsx --import ./test/examples/from-source.mjs examples/x.mjs`: the examples' `import "convkit"` and
// `import "convkit/node"` run against this checkout's src/ (transpiled by tsx), as they run against dist/ once the
// package is installed. Registered after tsx, this hook is asked first.
import { register } from "node:module";

register("./from-source-hooks.mjs", import.meta.url);
