// Weights in and out, in the browser as in Node (bytes in, bytes out): safetensors, PyTorch .pth state dicts through a
// restricted unpickler, ONNX import into a differentiable module and ONNX export from the autograd tape.
// File helpers (size-limited reads, atomic writes) are in "convkit/node".
export { loadSafetensors, saveSafetensors, MAX_HEADER_BYTES, type SafetensorsContents } from "./safetensors.js";
export { loadPth, readPthTree, type PthOptions, type PthValue } from "./pth.js";
export { savePth } from "./pth-save.js";
export { unpickle, ALLOWED_GLOBALS, PyTuple, PyDict, PyGlobal, PyCall, PyPersistent, type PyValue } from "./pickle.js";
export { loadOnnx, OnnxModel, type OnnxImportOptions, type OnnxIO } from "./onnx-import.js";
export { exportOnnx, exportOnnxAsync, OnnxExportError, EXPORT_OPSET, type ExportableModel, type OnnxExportOptions } from "./onnx-export.js";
export { IntTensor, type IntDType, type Value as OnnxValue } from "./onnx-tensor.js";
export { hostStateDict, type StateDict } from "./state-dict.js";
export type { LoadOptions } from "./bytes.js";
