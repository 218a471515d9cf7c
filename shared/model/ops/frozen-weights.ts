/**
 * How an op with weights is differentiated. Serving's weights are never
 * trained; a gradient through them is taken only to explain a prediction,
 * with respect to the tokens.
 *
 * @example
 * affine(x, kernel, bias, 'linear', { frozenWeights: true }); // dx alone in a backward pass
 */
export interface FrozenWeights {
  /**
   * The weights are constants, not inputs of the op: a gradient flows to its
   * input alone and the weights' own are never computed (asking for one
   * fails, rather than giving zeros).
   */
  frozenWeights?: boolean;
}
