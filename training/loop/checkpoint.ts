import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeArtifact } from '../../shared/artifact/encode-artifact';
import type { NamedTensor } from '../../shared/artifact/named-tensor';
import type { ModelConfig } from '../../shared/model/config';
import type { EpochMetrics } from '../report/types';
import { readArtifactDir, writeArtifactDir } from '../io/atomic-write';

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
  /** Adam's iteration count and moments, in the order of the model's variables. */
  optimizer: NamedTensor[];
  bestWeights: NamedTensor[] | null;
}

export interface CheckpointContext {
  config: ModelConfig;
  vocabulary: unknown;
  labels: string[];
}

const CURRENT = 'checkpoint';
const INCOMING = 'checkpoint.incoming';
const OUTGOING = 'checkpoint.outgoing';

const prefixed = (prefix: string, tensors: NamedTensor[]) => tensors.map((t) => ({ ...t, name: `${prefix}/${t.name}` }));
const unprefixed = (prefix: string, tensors: NamedTensor[]) =>
  tensors.filter((t) => t.name.startsWith(`${prefix}/`)).map((t) => ({ ...t, name: t.name.slice(prefix.length + 1) }));

/**
 * Writes a checkpoint so that a `kill -9` at any instant leaves a complete
 * one: the new checkpoint is written in full beside the old, then the two
 * folders swap by renames. A checkpoint is an ordinary artifact (float32,
 * sha256-verified) whose training metadata holds the loop state.
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
  await rm(join(dir, INCOMING), { recursive: true, force: true });
  await writeArtifactDir(join(dir, INCOMING), artifact);
  await rm(join(dir, OUTGOING), { recursive: true, force: true });
  if (await exists(join(dir, CURRENT))) await rename(join(dir, CURRENT), join(dir, OUTGOING));
  await rename(join(dir, INCOMING), join(dir, CURRENT));
  await rm(join(dir, OUTGOING), { recursive: true, force: true });
}

/**
 * The newest complete checkpoint in `dir`, or null when there is none. A
 * folder left half-written by a crash fails its sha256 check and is skipped.
 */
export async function loadCheckpoint(dir: string): Promise<Checkpoint | null> {
  let newest: Checkpoint | null = null;
  for (const name of [CURRENT, INCOMING, OUTGOING]) {
    if (!(await exists(join(dir, name)))) continue;
    let decoded;
    try {
      decoded = await readArtifactDir(join(dir, name));
    } catch {
      continue; // incomplete: a crash while it was being written
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

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
