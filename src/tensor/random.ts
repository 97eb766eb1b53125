// Seedable random numbers: xoshiro128** for uniforms, Box–Muller for normals. One global generator, reseeded by manualSeed.
import { ValueError } from "../errors.js";

/** A small, fast, seedable PRNG (xoshiro128**, seeded through splitmix32). */
export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  /** Reseed: the same seed gives the same sequence. */
  manualSeed(seed: number): this {
    let x = (Math.floor(seed) >>> 0) ^ 0x9e3779b9;
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    this.spare = null;
    return this;
  }

  /** Next 32 random bits. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  random(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Standard normal (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  /** Snapshot of the state (JSON-safe numbers), to save in a checkpoint and restore with setState: the four words
   *  of xoshiro128**, then the pending second normal of Box–Muller if there is one. */
  getState(): number[] {
    const words = [this.s0, this.s1, this.s2, this.s3];
    return this.spare === null ? words : [...words, this.spare];
  }

  /** Restore a state saved by getState: the sequence continues from there. */
  setState(state: readonly number[]): void {
    if (state.length !== 4 && state.length !== 5) throw new ValueError(`Generator.setState: expected 4 or 5 numbers from getState(), got ${state.length}`);
    [this.s0, this.s1, this.s2, this.s3] = state.slice(0, 4).map((v) => v | 0) as [number, number, number, number];
    this.spare = state.length === 5 ? state[4]! : null;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The default generator used by rand/randn/dropout/init when none is passed. */
export const defaultGenerator = new Generator(0);

/** Reseed the default generator, like torch.manual_seed. */
export function manualSeed(seed: number): void {
  defaultGenerator.manualSeed(seed);
}
