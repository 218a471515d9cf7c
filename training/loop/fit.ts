import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensor } from '../../shared/artifact/named-tensor';
import type { ModelConfig } from '../../shared/model/config';
import { forward, type ModelWeights } from '../../shared/model/forward';
import { parameterSpecs } from '../../shared/model/parameters';
import { createModelWeights, readModelWeights } from '../../shared/model/weights';
import { createRandom, shuffleInPlace } from '../../shared/random';
import { Adam } from './adam';
import type { EpochMetrics, Metrics } from '../report/types';
import { loadCheckpoint, saveCheckpoint, type CheckpointContext, type LoopState } from './checkpoint';
import { batchRows, makeBatch, type EncodedData } from './encoded-data';
import { evaluate } from './evaluate';
import { crossEntropy } from './loss';
import { epochProgress } from './progress';
import { TrainingError } from '../errors';

export interface FitOptions {
  config: ModelConfig;
  train: EncodedData;
  validation: EncodedData;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** Share dropped from the embedded inputs and the recurrent output; 0 turns dropout off. */
  dropout: number;
  /** Clip the gradients' global norm to this; null leaves them alone. */
  clipNorm: number | null;
  /** Stop after this many epochs without a lower validation loss. */
  patience: number;
  initialWeights: NamedTensor[];
  checkpointDir: string;
  checkpointContext: CheckpointContext;
  /** Continue from the checkpoint in `checkpointDir`, if there is one. */
  resume: boolean;
  /** Must equal the checkpoint's for a resume: guards against resuming with other data or options. */
  fingerprint: string;
  /** Polled after every step: true makes the loop checkpoint where it stands and return. */
  interrupted?: () => boolean;
  /** Called after each epoch, e.g. to print its figures. */
  onEpoch?: (record: EpochRecord) => void;
  /** Draw a progress bar. @default true */
  progress?: boolean;
}

export interface EpochRecord extends EpochMetrics {
  validation: Metrics;
  seconds: number;
  examplesPerSecond: number;
}

export interface FitResult {
  /** The best epoch's weights (lowest validation loss), as early stopping restores them. */
  weights: NamedTensor[];
  history: EpochRecord[];
  bestEpoch: number;
  stoppedEarly: boolean;
  /** The loop stopped on request; a checkpoint holds where it was. */
  interrupted: boolean;
}

/** Each epoch's order depends only on the seed and the epoch, so a resumed run repeats it. */
function epochOrder(count: number, seed: number, epoch: number): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  return shuffleInPlace(order, createRandom((seed + Math.imul(epoch + 1, 0x9e3779b1)) >>> 0));
}

/** Rows the batch got right, and how many it scored: texts, or real timesteps when tagging. */
function countCorrect(config: ModelConfig, logits: Float32Array, labels: Int32Array, weights?: Float32Array) {
  const units = config.output.units;
  let correct = 0;
  let scored = 0;
  for (let row = 0; row < labels.length; row++) {
    if (weights && weights[row] === 0) continue;
    let predicted = 0;
    if (config.output.activation === 'sigmoid') predicted = logits[row] > 0 ? 1 : 0;
    else for (let k = 1; k < units; k++) if (logits[row * units + k] > logits[row * units + predicted]) predicted = k;
    correct += predicted === labels[row] ? 1 : 0;
    scored++;
  }
  return { correct, scored };
}

/**
 * Trains the model with Adam on shuffled mini-batches, scores the validation
 * split after every epoch, keeps the best epoch (early stopping on validation
 * loss) and checkpoints after every epoch, so that `resume` continues a run
 * to exactly the weights an uninterrupted run reaches.
 *
 * @example
 * const result = await fit({ config: TUTORIAL_MODEL, train, validation, epochs: 5, batchSize: 32, ... });
 * result.history[result.bestEpoch - 1].valAccuracy; // 0.85
 */
export async function fit(options: FitOptions): Promise<FitResult> {
  const { config, train, validation, batchSize, epochs } = options;
  const specs = parameterSpecs(config);
  const weights: ModelWeights = createModelWeights(config, options.initialWeights, { trainable: true });
  const variables = specs.map((spec) => weights[spec.name] as tf.Variable);
  const optimizer = await Adam.create(weights as Record<string, tf.Variable>, {
    learningRate: options.learningRate,
    globalClipNorm: options.clipNorm,
  });
  const stepsPerEpoch = Math.ceil(train.count / batchSize);

  let state: LoopState = {
    epoch: 0,
    step: 0,
    history: [],
    best: null,
    epochsWithoutImprovement: 0,
    running: { lossSum: 0, correct: 0, scored: 0, batches: 0 },
    fingerprint: options.fingerprint,
  };
  let bestWeights: NamedTensor[] | null = null;

  const checkpoint = options.resume ? await loadCheckpoint(options.checkpointDir) : null;
  if (checkpoint) {
    if (checkpoint.state.fingerprint !== options.fingerprint) {
      throw new TrainingError(
        `${options.checkpointDir}: the checkpoint was made with other data or options; resume with the same command, or start afresh without --resume`,
      );
    }
    state = checkpoint.state;
    bestWeights = checkpoint.bestWeights;
    const byName = new Map(checkpoint.weights.map((t) => [t.name, t]));
    specs.forEach((spec, i) => variables[i].assign(tf.tensor(byName.get(spec.name)!.values, spec.shape)));
    try {
      optimizer.restore(checkpoint.optimizer);
    } catch (error) {
      throw new TrainingError(`${options.checkpointDir}: ${(error as Error).message}; start afresh without --resume`);
    }
  }

  const writeCheckpoint = async () =>
    saveCheckpoint(options.checkpointDir, options.checkpointContext, {
      state,
      weights: await readModelWeights(config, weights),
      optimizer: optimizer.state(),
      bestWeights,
    });

  let interrupted = false;
  // A function of the saved state, so that a run resumed after it stopped early stays stopped.
  const stoppedEarly = () => state.epochsWithoutImprovement >= options.patience && state.epoch < epochs;
  while (state.epoch < epochs && !stoppedEarly()) {
    const order = epochOrder(train.count, options.seed, state.epoch);
    const bar = options.progress === false ? null : epochProgress({ epoch: state.epoch + 1, epochs, steps: stepsPerEpoch, firstStep: state.step });
    const started = performance.now();
    let examplesThisRun = 0;
    for (; state.step < stepsPerEpoch; state.step++) {
      const rows = batchRows(order, state.step, batchSize);
      const dropoutSeed = (options.seed * 100_003 + state.epoch * 10_007 + state.step) >>> 0;
      const { loss, correct, scored } = tf.tidy(() => {
        const batch = makeBatch(config, train, rows);
        let logits: tf.Tensor | null = null;
        const { value, grads } = tf.variableGrads(() => {
          logits = tf.keep(
            forward(config, weights, batch.input, options.dropout > 0 ? { dropout: { rate: options.dropout, seed: dropoutSeed } } : {}),
          );
          return crossEntropy(config, logits, batch.labels, batch.weights);
        }, variables);
        optimizer.applyGradients(grads);
        return {
          loss: value.dataSync()[0],
          ...countCorrect(
            config,
            logits!.dataSync() as Float32Array,
            batch.labels.dataSync() as Int32Array,
            batch.weights?.dataSync() as Float32Array | undefined,
          ),
        };
      });
      if (!Number.isFinite(loss)) {
        throw new TrainingError(`training diverged: loss is ${loss} at epoch ${state.epoch + 1}, step ${state.step + 1}; lower --lr or set --clip-norm`);
      }
      const running = state.running;
      running.lossSum += loss;
      running.batches++;
      running.correct += correct;
      running.scored += scored;
      examplesThisRun += rows.length;
      bar?.update({
        step: state.step + 1,
        loss: running.lossSum / running.batches,
        accuracy: running.correct / running.scored,
        examplesPerSecond: examplesThisRun / ((performance.now() - started) / 1000),
      });
      // Training is synchronous; without yielding, neither Ctrl-C nor the progress bar's timer would run until the epoch ends.
      await new Promise((resolve) => setImmediate(resolve));
      if (options.interrupted?.()) {
        state.step++;
        interrupted = true;
        break;
      }
    }
    bar?.stop();
    if (interrupted) break;

    const seconds = (performance.now() - started) / 1000;
    const scored = evaluate(config, weights, validation).metrics;
    const record: EpochRecord = {
      epoch: state.epoch + 1,
      loss: state.running.lossSum / state.running.batches,
      accuracy: state.running.correct / state.running.scored,
      valLoss: scored.loss,
      valAccuracy: scored.accuracy,
      validation: scored,
      seconds,
      examplesPerSecond: examplesThisRun / seconds,
    };
    state.history.push(record);
    if (!state.best || record.valLoss < state.best.valLoss) {
      state.best = { epoch: record.epoch, valLoss: record.valLoss };
      state.epochsWithoutImprovement = 0;
      bestWeights = await readModelWeights(config, weights);
    } else {
      state.epochsWithoutImprovement++;
    }
    state.epoch++;
    state.step = 0;
    state.running = { lossSum: 0, correct: 0, scored: 0, batches: 0 };
    options.onEpoch?.(record);
    await writeCheckpoint();
  }
  if (interrupted) await writeCheckpoint();

  const result: FitResult = {
    weights: bestWeights ?? (await readModelWeights(config, weights)),
    history: state.history as EpochRecord[],
    bestEpoch: state.best?.epoch ?? 0,
    stoppedEarly: stoppedEarly(),
    interrupted,
  };
  for (const variable of variables) variable.dispose();
  return result;
}
