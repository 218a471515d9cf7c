export { TextVectorizer, type TokenSpan } from './text-vectorizer';
export { MAX_SEQUENCE_LENGTH, MAX_VOCABULARY_SIZE, TRUNCATE_SIDES, type TruncateSide, type VectorizerConfig } from './config';
export { TEXT_VECTORIZER_FORMAT, TEXT_VECTORIZER_VERSION, type TextVectorizerJSON } from './json';
export { KERAS_PUNCTUATION, standardize } from './standardize';
export { isSplitWhitespace } from './split';
export { blankHtmlTags } from './html';
export { OOV_ID, OOV_TOKEN, PADDING_ID, PADDING_TOKEN, compareCodePoints } from './vocabulary';
