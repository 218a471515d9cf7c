export { Classifier, ModelMismatchError } from './classifier';
export type { Classification, ClassifyOptions, LabelScore, ModelInfo, TokenContribution } from './types';
