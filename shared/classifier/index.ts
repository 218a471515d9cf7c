export { Classifier, ModelMismatchError } from './classifier';
export type { Classification, ClassifyOptions, ExplainMethod, LabelScore, ModelInfo, TokenContribution } from './types';
