/** A span of bytes of the kernel's memory, live until released. */
export interface Region {
  readonly offset: number;
  readonly bytes: number;
  released: boolean;
}

/** Cache-line aligned: SIMD loads want 16 bytes, and two threads never share a line at a region's edge. */
const ALIGNMENT = 64;

/**
 * Regions of the kernel's memory that outlive a call, stacked from `start`
 * up: the histories training forward passes leave for their backward passes,
 * which run in the reverse order. A region released out of that order is
 * reclaimed once every region above it is released too.
 *
 * @example
 * const stack = new RegionStack(16);
 * const layer1 = stack.push(9_830_400); // offset 64
 * const layer2 = stack.push(4_915_200); // offset 9_830_464
 * stack.release(layer2);
 * stack.top; // 9_830_464: a plan may start here
 */
export class RegionStack {
  private readonly regions: Region[] = [];

  constructor(private readonly start: number) {}

  /** The first byte above every live region. */
  get top(): number {
    const last = this.regions.at(-1);
    return last ? last.offset + last.bytes : this.start;
  }

  /** Regions not yet reclaimed, released or not. */
  get size(): number {
    return this.regions.length;
  }

  push(bytes: number): Region {
    const region = { offset: Math.ceil(this.top / ALIGNMENT) * ALIGNMENT, bytes, released: false };
    this.regions.push(region);
    return region;
  }

  release(region: Region): void {
    region.released = true;
    while (this.regions.at(-1)?.released) this.regions.pop();
  }
}
