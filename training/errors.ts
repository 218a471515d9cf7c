/** A problem with the user's flags or data that a message explains fully: printed without a stack. */
export class TrainingError extends Error {
  override name = 'TrainingError';
}
