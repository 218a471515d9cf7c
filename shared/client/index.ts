/**
 * `bilstm-edge/client`: call a bilstm-edge worker from browsers, Node and
 * Workers. No runtime dependencies: `fetch`, `AbortController` and timers.
 */
export { classify } from './classify';
export { BilstmEdgeError, type BilstmEdgeErrorCode, type BilstmEdgeErrorDetails, type ClientErrorCode, type ServerErrorCode } from './errors';
export type { Classification, ClassifyOptions, ClassifyResult, ExplainMethod, LabelScore, TokenContribution } from './types';
