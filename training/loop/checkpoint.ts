import { join } from 'node:path';
import { encodeArtifact } from '../../shared/artifact/encode-artifact';
import type { NamedTensor } from '../../shared/artifact/named-tensor';
import type { ModelConfig } from '../../shared/model/config';
import type { EpochMetrics } from '../report/types';
import { artifactDirVersions, readArtifactDir, replaceArtifactDir } from '../io/atomic-write';

/** Where the loop stands: enough to continue as if it had never stopped. */
export interface LoopState {
  /** The next epoch and step (batch within it) to run, 0-based. */
  epoch: number;
  step: number;
  history: EpochMetrics[];
  best: { epoch: number; valLoss: number } | null;
  /** Epochs since the best one, for early stopping. */
  epochsWithoutImprovement: number;
  /** Training loss and accuracy accumulated over the current epoch so far. */
  running: { lossSum: number; correct: number; scored: number; batches: number };
  /** Options that must not change across a resume (seed, batch size, data…). */
  fingerprint: string;
}

export interface Checkpoint {
  state: LoopState;
  weights: NamedTensor[];
  /** Adam's step count and moments, as `Adam.state()` gives them. */
  optimizer: NamedTensor[];
  bestWeights: NamedTensor[] | null;
}

export interface CheckpointContext {
  config: ModelConfig;
  vocabulary: unknown;
  labels: string[];
}

const CHECKPOINT = 'checkpoint';

const prefixed = (prefix: string, tensors: NamedTensor[]) => tensors.map((t) => ({ ...t, name: `${prefix}/${t.name}` }));
const unprefixed = (prefix: string, tensors: NamedTensor[]) =>
  tensors.filter((t) => t.name.startsWith(`${prefix}/`)).map((t) => ({ ...t, name: t.name.slice(prefix.length + 1) }));

/**
 * Writes a checkpoint so that a `kill -9` at any instant leaves a complete
 * one (see `replaceArtifactDir`). A checkpoint is an ordinary artifact
 * (float32, sha256-verified) whose training metadata holds the loop state.
 */
export async function saveCheckpoint(dir: string, context: CheckpointContext, checkpoint: Checkpoint): Promise<void> {
  const artifact = await encodeArtifact({
    tensors: [
      ...prefixed('model', checkpoint.weights),
      ...prefixed('optimizer', checkpoint.optimizer),
      ...prefixed('best', checkpoint.bestWeights ?? []),
    ],
    modelTopology: context.config as unknown as Record<string, unknown>,
    vocabulary: context.vocabulary,
    labels: context.labels,
    training: { checkpoint: checkpoint.state },
  });
  await replaceArtifactDir(join(dir, CHECKPOINT), artifact);
}

/**
 * The newest complete checkpoint in `dir`, or null when there is none. A
 * folder left half-written by a crash fails its sha256 check and is skipped.
 */
export async function loadCheckpoint(dir: string): Promise<Checkpoint | null> {
  let newest: Checkpoint | null = null;
  for (const version of artifactDirVersions(join(dir, CHECKPOINT))) {
    let decoded;
    try {
      decoded = await readArtifactDir(version);
    } catch {
      continue; // absent, or incomplete: a crash while it was being written
    }
    const state = (decoded.modelJson.training as { checkpoint: LoopState }).checkpoint;
    const best = unprefixed('best', decoded.tensors);
    const candidate: Checkpoint = {
      state,
      weights: unprefixed('model', decoded.tensors),
      optimizer: unprefixed('optimizer', decoded.tensors),
      bestWeights: best.length ? best : null,
    };
    const progress = (c: Checkpoint) => c.state.epoch * 1e9 + c.state.step;
    if (!newest || progress(candidate) > progress(newest)) newest = candidate;
  }
  return newest;
}
