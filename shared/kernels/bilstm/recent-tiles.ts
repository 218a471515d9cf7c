import type * as tf from '@tensorflow/tfjs-core';
import type { BilstmKernel, RecurrentTiles } from './kernel';

/**
 * Tiles kept at most: a model's layers twice over for models as deep as
 * the tutorial's two layers, so that a worker swapping models (the R2 swap
 * keeps the old one serving until the new one loads) packs nothing per text.
 */
const CAPACITY = 8;

/**
 * The kernel's recurrent tiles (see `BilstmKernel.recurrentTiles`) of the
 * recurrent tensors forward passes ran with most recently, by tensor data:
 * a tensor's data never changes (a variable that is assigned gets new data),
 * so tiles packed from it serve every later pass with it. Serving runs each
 * layer with one tensor for every text; training's validation makes new
 * tensors each batch, which take the least recently used tiles' place.
 *
 * @example
 * const recent = new RecentTiles(kernel);
 * kernel.forward(shape, { projected, recurrent: float32Values(weights), mask: null, tiles: recent.of(weights, 64) });
 */
export class RecentTiles {
  /** Least recently used first. */
  private readonly byData = new Map<object, RecurrentTiles>();

  constructor(private readonly kernel: BilstmKernel) {}

  /** The tiles of `recurrent` [2H, 8H], H = `units`: packed already, or by the pass they are given to. */
  of(recurrent: tf.Tensor2D, units: number): RecurrentTiles {
    const { byData } = this;
    const known = byData.get(recurrent.dataId);
    if (known) {
      byData.delete(recurrent.dataId);
      byData.set(recurrent.dataId, known);
      return known;
    }
    const tiles = this.kernel.recurrentTiles(units);
    byData.set(recurrent.dataId, tiles);
    if (byData.size > CAPACITY) {
      const [leastRecent, evicted] = byData.entries().next().value as [object, RecurrentTiles];
      byData.delete(leastRecent);
      this.kernel.release(evicted);
    }
    return tiles;
  }
}
