/// <reference types="@webgpu/types" />
// The WebGPU device the webgpu kernels run on: adapter selection, buffers (create, upload, read back), a pipeline
// cache keyed by the WGSL text (which carries every specialisation: op, transposes, tile shape), and command batching
// (every dispatch goes into one open compute pass; the command buffer is submitted once, when something must be read
// back or the caller flushes). Core code: no Node-only API; in Node, the npm package `webgpu` (Dawn) is tried through
// a computed import, so that bundlers never resolve it and the package stays optional.
import { ConvkitError, ValueError } from "../../errors.js";

/** WebGPU cannot be used here: no navigator.gpu, no adapter, or the adapter lacks a feature asked for. */
export class WebGPUUnavailableError extends ConvkitError {}

/** Options of initWebGPU. */
export interface WebGPUOptions {
  /** Which adapter to prefer where there are several (default: the browser's choice). */
  powerPreference?: GPUPowerPreference;
  /** Features the device must have (e.g. "shader-f16"); a missing one is an error naming it. */
  requiredFeatures?: GPUFeatureName[];
  /** The GPU object to use instead of navigator.gpu (or Node's `webgpu` package): for tests and embedders. */
  gpu?: GPU | null;
}

/** What the device has done since it was made (or since resetStats): compilations, dispatches, submissions. */
export interface WebGPUStats {
  /** Compute pipelines compiled (a cache miss each). */
  pipelinesCompiled: number;
  /** Compute dispatches encoded. */
  dispatches: number;
  /** Command buffers submitted to the queue. */
  submits: number;
  /** Buffers read back to JavaScript. */
  readbacks: number;
  /** Uniform buffers made for the dispatches' parameter blocks (pages of many blocks, reused from batch to batch). */
  paramPages: number;
}

/** A binding of a dispatch: a storage buffer, read-only or read-write as the shader declares it. */
export type Binding = GPUBuffer;

const F32 = 4;
/** Bytes of a page of parameter blocks (WebGPU's default maxUniformBufferBindingSize): see WebGPUDevice.params. */
const PARAM_PAGE_BYTES = 64 * 1024;
/** A check's words when it passed (no failing position). */
const NO_CHECK = 0xffffffff;
/** Checks whose messages a device keeps between reads; a later one that fails is reported without its message. */
const MAX_PENDING_CHECKS = 1 << 16;

/** A uniform buffer holding the parameter blocks of many dispatches, and its contents as written so far. */
interface ParamPage { buffer: GPUBuffer; bytes: Uint8Array<ArrayBuffer>; used: number }

/** The GPU entry point of this environment: navigator.gpu, else Node's `webgpu` package, else null (and why). */
async function findGpu(): Promise<{ gpu: GPU | null; why: string }> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return { gpu: nav.gpu, why: "" };
  const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string";
  if (!isNode) {
    const secure = (globalThis as { isSecureContext?: boolean }).isSecureContext;
    return { gpu: null, why: secure === false ? "navigator.gpu is missing: the page is not a secure context (serve it over https or from localhost)" : "navigator.gpu is missing: this browser has no WebGPU (or it is turned off)" };
  }
  const spec = ["web", "gpu"].join(""); // computed: keeps browser bundlers from resolving the optional package
  try {
    const mod = (await import(/* @vite-ignore */ spec)) as { create(args: string[]): GPU; globals?: Record<string, unknown> };
    // Dawn's binding needs its constants (GPUBufferUsage…) as globals, as a browser has them
    if (mod.globals) for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    return { gpu: mod.create([]), why: "" };
  } catch {
    return { gpu: null, why: "no navigator.gpu in Node, and the npm package 'webgpu' is not installed (npm install webgpu)" };
  }
}

/**
 * Picks an adapter and opens a device on it, or throws a WebGPUUnavailableError of one line that says why not:
 * no navigator.gpu (and, in Node, no `webgpu` package), no adapter, or a required feature the adapter lacks.
 */
export async function initWebGPU(opts: WebGPUOptions = {}): Promise<WebGPUDevice> {
  let gpu = opts.gpu ?? null;
  if (!gpu) {
    const found = await findGpu();
    if (!found.gpu) throw new WebGPUUnavailableError(`webgpu: ${found.why}`);
    gpu = found.gpu;
  }
  const adapter = await gpu.requestAdapter(opts.powerPreference ? { powerPreference: opts.powerPreference } : undefined);
  if (!adapter) throw new WebGPUUnavailableError("webgpu: navigator.gpu.requestAdapter() found no adapter (no usable GPU or software rasteriser; in Chromium try --enable-unsafe-webgpu)");
  const required = opts.requiredFeatures ?? [];
  const missing = required.filter((f) => !adapter.features.has(f));
  if (missing.length > 0) {
    throw new WebGPUUnavailableError(`webgpu: the adapter lacks the feature${missing.length > 1 ? "s" : ""} ${missing.map((f) => `'${f}'`).join(", ")} (it has: ${[...adapter.features].join(", ") || "none"})`);
  }
  // the adapter's own limits, not the defaults: large convolutions want big storage buffers and workgroup memory
  const want = ["maxStorageBufferBindingSize", "maxBufferSize", "maxComputeWorkgroupStorageSize", "maxComputeInvocationsPerWorkgroup"] as const;
  const requiredLimits: Record<string, number> = {};
  for (const k of want) requiredLimits[k] = adapter.limits[k];
  const device = await adapter.requestDevice({ requiredFeatures: required, requiredLimits });
  // adapter.info in current browsers; requestAdapterInfo() in older ones (and in the typings installed here)
  const info = (adapter as { info?: GPUAdapterInfo }).info ?? (await adapter.requestAdapterInfo());
  return new WebGPUDevice(device, { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description });
}

/** Who made the adapter (as GPUAdapterInfo, plain data). */
export interface AdapterInfo {
  /** The vendor ("google" for SwiftShader). */
  vendor: string;
  /** The architecture ("swiftshader"). */
  architecture: string;
  /** The device, where the browser tells. */
  device: string;
  /** A description, where the browser tells. */
  description: string;
}

/** A compiled pipeline and its bind-group layout. */
export interface Pipeline {
  /** The compute pipeline. */
  pipeline: GPUComputePipeline;
  /** Its bind group 0's layout. */
  layout: GPUBindGroupLayout;
}

/**
 * A GPU device with what the kernels need: buffers that know their element count, a pipeline cache, one open command
 * encoder into which every dispatch goes (a compute pass per batch), and readbacks that submit it first.
 */
export class WebGPUDevice {
  /** The counters of WebGPUStats. */
  readonly stats: WebGPUStats = { pipelinesCompiled: 0, dispatches: 0, submits: 0, readbacks: 0, paramPages: 0 };
  private readonly pipelines = new Map<string, Pipeline>();
  private readonly lengths = new WeakMap<GPUBuffer, number>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  /** Buffers of the open batch to destroy once it is submitted (the dispatches' parameter blocks, scratch). */
  private temporaries: GPUBuffer[] = [];
  /** The parameter pages the open batch writes into (the last one has room), and those free for the next batch. */
  private pages: ParamPage[] = [];
  private freePages: ParamPage[] = [];
  /** The first failed check since the last read (see check), on the GPU: [its number + 1 (0: none), position, value
   *  bits, unused], made on first use. */
  private checkWords: GPUBuffer | null = null;
  /** The messages of the checks made since the last read, by number (at most MAX_PENDING_CHECKS kept). */
  private reports: ((position: number, valueBits: number) => string)[] = [];
  private checksMade = 0;

  constructor(
    /** The WebGPU device. */
    readonly device: GPUDevice,
    /** The adapter's vendor and architecture ("swiftshader" under Chromium's software adapter). */
    readonly info: AdapterInfo,
  ) {}

  /** A storage buffer of `length` 4-byte elements (float32 or int32), zero-filled, or holding `data`. */
  buffer(length: number, data?: Float32Array | Int32Array | Uint32Array): GPUBuffer {
    // WebGPU has no empty bindings, and copies move multiples of 4 bytes: at least 16 bytes
    const size = Math.max(16, Math.ceil((length * F32) / 16) * 16);
    const buf = this.device.createBuffer({
      size,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      mappedAtCreation: data !== undefined,
    });
    if (data) {
      new Uint8Array(buf.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, Math.min(data.byteLength, length * F32)));
      buf.unmap();
    }
    this.lengths.set(buf, length);
    return buf;
  }

  /** A buffer holding a copy of `data` (float32 values; Float64Array data is rounded to float32). */
  upload(data: Float32Array | Float64Array | Int32Array): GPUBuffer {
    return this.buffer(data.length, data instanceof Float64Array ? Float32Array.from(data) : data);
  }

  /** Overwrites the start of `buf` with `data` (in queue order: after the dispatches already submitted, so the open
   *  batch is submitted first). */
  write(buf: GPUBuffer, data: Float32Array | Int32Array): void {
    this.flush();
    this.device.queue.writeBuffer(buf, 0, data.buffer, data.byteOffset, data.byteLength);
  }

  /** The element count `buf` was made with (by buffer() or upload()). */
  lengthOf(buf: GPUBuffer): number {
    const n = this.lengths.get(buf);
    if (n === undefined) return buf.size / F32;
    return n;
  }

  /** A scratch buffer that lives until the open batch is submitted. */
  scratch(length: number, data?: Float32Array | Int32Array | Uint32Array): GPUBuffer {
    const buf = this.buffer(length, data);
    this.temporaries.push(buf);
    return buf;
  }

  /** The pipeline of `code` (entry point main), compiled on first use and cached by its text. */
  pipeline(code: string): Pipeline {
    let p = this.pipelines.get(code);
    if (!p) {
      const module = this.device.createShaderModule({ code });
      const pipeline = this.device.createComputePipeline({ layout: "auto", compute: { module, entryPoint: "main" } });
      p = { pipeline, layout: pipeline.getBindGroupLayout(0) };
      this.pipelines.set(code, p);
      this.stats.pipelinesCompiled++;
    }
    return p;
  }

  /**
   * Encodes one dispatch of `code` into the open batch: binding 0 is the parameter block `params` (a uniform, omitted
   * when null), bindings 1… the buffers in order. Nothing runs until the batch is submitted (flush, read).
   */
  dispatch(code: string, params: ArrayBuffer | null, buffers: readonly Binding[], workgroups: readonly [number, number?, number?]): void {
    const { pipeline, layout } = this.pipeline(code);
    const entries: GPUBindGroupEntry[] = [];
    if (params) entries.push({ binding: 0, resource: this.params(params) });
    buffers.forEach((b, i) => entries.push({ binding: i + 1, resource: { buffer: b } }));
    const group = this.device.createBindGroup({ layout, entries });
    this.encoder ??= this.device.createCommandEncoder();
    this.pass ??= this.encoder.beginComputePass();
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, group);
    this.pass.dispatchWorkgroups(workgroups[0], workgroups[1] ?? 1, workgroups[2] ?? 1);
    this.stats.dispatches++;
  }

  /**
   * A place for a dispatch's parameter block: a slice of a uniform page, at the device's uniform offset alignment
   * (256 bytes by default), whose bytes are written with one queue.writeBuffer per page when the batch is submitted.
   * A buffer created and mapped per dispatch (as this did) costs a driver allocation each, hundreds per training step;
   * the pages are reused from batch to batch (the queue runs a page's write for the next batch after the work of the
   * batch before, which read it).
   */
  private params(params: ArrayBuffer): GPUBufferBinding {
    const align = this.device.limits.minUniformBufferOffsetAlignment;
    const size = Math.max(16, Math.ceil(params.byteLength / 16) * 16);
    let page: ParamPage | undefined = this.pages[this.pages.length - 1];
    let offset = page ? Math.ceil(page.used / align) * align : 0;
    if (!page || offset + size > PARAM_PAGE_BYTES) {
      page = this.freePages.pop();
      if (!page) {
        const buffer = this.device.createBuffer({ size: PARAM_PAGE_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
        page = { buffer, bytes: new Uint8Array(new ArrayBuffer(PARAM_PAGE_BYTES)), used: 0 };
        this.stats.paramPages++;
      }
      this.pages.push(page);
      offset = 0;
    }
    page.bytes.set(new Uint8Array(params), offset);
    page.bytes.fill(0, offset + params.byteLength, offset + size);
    page.used = offset + size;
    return { buffer: page.buffer, offset, size };
  }

  /** Destroys `buf` once the open batch, which may use it, is submitted (or now, when no batch is open). */
  retire(buf: GPUBuffer): void {
    if (this.encoder) this.temporaries.push(buf);
    else buf.destroy();
  }

  /** Encodes the zeroing of `buf` into the open batch (a reused buffer must start as a new one: zero-filled). */
  clear(buf: GPUBuffer): void {
    this.endPass();
    this.encoder ??= this.device.createCommandEncoder();
    this.encoder.clearBuffer(buf);
  }

  /** Encodes a copy of `bytes` bytes between buffers (from src's start to dst's byte dstOffset) into the open batch. */
  copy(src: GPUBuffer, dst: GPUBuffer, bytes: number, dstOffset = 0): void {
    this.endPass();
    this.encoder ??= this.device.createCommandEncoder();
    this.encoder.copyBufferToBuffer(src, 0, dst, dstOffset, bytes);
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }

  /** Submits the open batch (if any) as one command buffer. */
  flush(): void {
    if (!this.encoder) return;
    this.endPass();
    // the batch's parameter blocks reach their pages before its commands run (queue order)
    for (const page of this.pages) this.device.queue.writeBuffer(page.buffer, 0, page.bytes, 0, page.used);
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.stats.submits++;
    for (const page of this.pages) page.used = 0;
    this.freePages.push(...this.pages);
    this.pages = [];
    // destroying after the submit is allowed: the queue keeps them until the work that uses them is done
    for (const b of this.temporaries) b.destroy();
    this.temporaries = [];
  }

  /**
   * A check that the kernels encoded so far made on the GPU, where they cannot throw: `words` holds [the first failing
   * position, or 2³² − 1 when none failed; that element's value's bits]. A dispatch copies a failure into the device's
   * own words unless an earlier check failed, and `words` is released with the batch; so checks that are never read
   * keep no GPU memory. The next read throws `report(position, value bits)` of the first failure as a ValueError (and
   * clears the device's words in its batch, so that a read after it, or one made while it waits, starts afresh).
   */
  check(words: GPUBuffer, report: (position: number, valueBits: number) => string): void {
    const first = this.checkWords ??= this.buffer(4);
    const number = this.checksMade++;
    if (this.reports.length < MAX_PENDING_CHECKS) this.reports.push(report);
    this.dispatch(`struct Params { number: u32, pad0: u32, pad1: u32, pad2: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> C: array<u32>;
@group(0) @binding(2) var<storage, read_write> D: array<u32>;
@compute @workgroup_size(1)
fn main() {
  if (C[0] != ${NO_CHECK}u && D[0] == 0u) { D[0] = P.number + 1u; D[1] = C[0]; D[2] = C[1]; }
}`, Uint32Array.of(number, 0, 0, 0).buffer, [words, first], [1]);
    this.retire(words);
  }

  /** The values of `buf` (its first `length` elements, by default all it was made with), after every dispatch
   *  encoded so far: the copy to a mappable buffer joins the open batch, which is submitted once. Throws a ValueError
   *  when a check made before it (see check) failed. */
  async read(buf: GPUBuffer, kind: "float32" | "int32" = "float32", length = this.lengthOf(buf)): Promise<Float32Array | Int32Array> {
    const bytes = Math.max(4, length * F32);
    const staging = this.device.createBuffer({ size: Math.ceil(bytes / 4) * 4 + 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.copy(buf, staging, Math.ceil(bytes / 4) * 4);
    // the checks' words come back in the same mapping, after the values
    const reports = this.reports, made = this.checksMade;
    const checked = this.checkWords !== null && made > 0;
    if (checked) {
      this.copy(this.checkWords!, staging, 16, Math.ceil(bytes / 4) * 4);
      this.clear(this.checkWords!);
    }
    this.reports = [];
    this.checksMade = 0;
    this.flush();
    this.stats.readbacks++;
    await staging.mapAsync(GPUMapMode.READ);
    const mapped = staging.getMappedRange();
    const copy = mapped.slice(0, length * F32);
    const first = checked ? new Uint32Array(mapped.slice(Math.ceil(bytes / 4) * 4, Math.ceil(bytes / 4) * 4 + 16)) : null;
    staging.unmap();
    staging.destroy();
    if (first && first[0] !== 0) {
      const report = reports[first[0]! - 1];
      const message = report ? report(first[1]!, first[2]!)
        : `check ${first[0]!} of ${made} since the last read failed at element ${first[1]!} (its message was not kept: read values more often than every ${MAX_PENDING_CHECKS} checks)`;
      throw new ValueError(`${message} (found on the GPU, reported at the next read)`);
    }
    return kind === "int32" ? new Int32Array(copy) : new Float32Array(copy);
  }

  /** Zeroes the counters of stats. */
  resetStats(): void {
    Object.assign(this.stats, { pipelinesCompiled: 0, dispatches: 0, submits: 0, readbacks: 0, paramPages: 0 });
  }

  /** Releases the device (its buffers become invalid). */
  destroy(): void {
    this.flush();
    this.device.destroy();
  }
}
