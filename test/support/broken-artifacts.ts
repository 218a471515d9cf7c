import { decodeArtifact, encodeArtifact, manifestSha256, type ArtifactErrorCode, type ArtifactModelJson } from '../../shared/artifact';

/** A model artifact that must never load, and how loading it must fail. */
export interface BrokenArtifact {
  /** What is wrong, as a test name. */
  name: string;
  modelJson: unknown;
  weights: Uint8Array;
  /** An `ArtifactError` with this code, or a `ModelMismatchError` whose message matches. */
  failure: { code: ArtifactErrorCode } | { mismatch: RegExp };
}

type Edit = (json: Record<string, any>) => void;

/**
 * Every way this project knows for a model artifact to be broken, made from a
 * good one: damaged files (a flipped byte, a cut, an edit of `model.json`
 * after it was written) and artifacts written consistently but from parts
 * that do not fit (what a buggy exporter would produce).
 *
 * @example
 * ```ts
 * for (const broken of await brokenArtifacts(modelJson, weights)) {
 *   await expect(Classifier.load(broken.modelJson, broken.weights)).rejects.toThrow();
 * }
 * ```
 */
export async function brokenArtifacts(modelJson: unknown, weightsBin: ArrayBuffer | Uint8Array): Promise<BrokenArtifact[]> {
  const weights = new Uint8Array(weightsBin).slice();
  const { modelJson: manifest, tensors } = await decodeArtifact(modelJson, weights);
  const edited = (edit: Edit) => {
    const copy = structuredClone(modelJson) as Record<string, any>;
    edit(copy);
    return copy;
  };
  const resealed = async (edit: Edit) => {
    const copy = edited(edit);
    copy.manifestSha256 = await manifestSha256(copy);
    return copy;
  };
  /** A consistent artifact (valid hashes) of the same tensors with other metadata. */
  const rewritten = async (changes: Partial<Pick<ArtifactModelJson, 'labels' | 'modelTopology' | 'vocabulary'>>) => {
    const encoded = await encodeArtifact({
      tensors,
      modelTopology: changes.modelTopology ?? manifest.modelTopology,
      vocabulary: changes.vocabulary ?? manifest.vocabulary,
      labels: changes.labels ?? manifest.labels,
      training: manifest.training,
    });
    return { modelJson: encoded.modelJson, weights: encoded.weightsBin };
  };

  const entries = manifest.weightsManifest[0].weights;
  const oblong = entries.findIndex((entry) => entry.shape.length === 2 && entry.shape[0] !== entry.shape[1]);
  if (oblong < 0) throw new Error('brokenArtifacts needs a model with a non-square 2-D weight');
  const { name: oblongName, shape: [rows, columns] } = entries[oblong];
  const transpose: Edit = (json) => (json.weightsManifest[0].weights[oblong].shape = [columns, rows]);
  const vocabulary = manifest.vocabulary as { config: { maxTokens: number }; vocabulary: string[] };
  const topology = manifest.modelTopology as { input: { embeddingDim: number; vocabularySize: number }; dense: unknown[] };
  const flipped = weights.slice();
  flipped[flipped.length >> 1] ^= 0x01;

  return [
    { name: 'one flipped bit in weights.bin', modelJson, weights: flipped, failure: { code: 'sha256_mismatch' } },
    { name: 'weights.bin cut short', modelJson, weights: weights.slice(0, -7), failure: { code: 'truncated_weights' } },
    { name: 'weights.bin with a byte more', modelJson, weights: new Uint8Array([...weights, 0]), failure: { code: 'trailing_weights' } },
    {
      name: 'labels swapped in model.json (would invert every answer)',
      modelJson: edited((json) => json.labels.reverse()),
      weights,
      failure: { code: 'manifest_sha256_mismatch' },
    },
    {
      name: 'a vocabulary token edited in model.json',
      modelJson: edited((json) => (json.vocabulary.vocabulary[2] = 'tampered')),
      weights,
      failure: { code: 'manifest_sha256_mismatch' },
    },
    {
      name: `the shape of "${oblongName}" transposed in model.json (the same byte count)`,
      modelJson: edited(transpose),
      weights,
      failure: { code: 'manifest_sha256_mismatch' },
    },
    {
      name: `the shape of "${oblongName}" transposed and model.json resealed`,
      modelJson: await resealed(transpose),
      weights,
      failure: { mismatch: new RegExp(`tensor "${oblongName}" has shape \\[${columns},${rows}\\], the config needs \\[${rows},${columns}\\]`) },
    },
    {
      name: 'an extra field added to model.json',
      modelJson: edited((json) => (json.note = 'harmless?')),
      weights,
      failure: { code: 'manifest_sha256_mismatch' },
    },
    {
      name: 'a vocabulary longer than the embedding',
      ...(await rewritten({
        vocabulary: {
          ...vocabulary,
          config: { ...vocabulary.config, maxTokens: topology.input.vocabularySize + 1 },
          vocabulary: [...vocabulary.vocabulary, 'notinthevocabulary'],
        },
      })),
      failure: { mismatch: new RegExp(`vocabulary has ${vocabulary.vocabulary.length + 1} entries but the embedding only ${topology.input.vocabularySize} rows`) },
    },
    {
      name: 'three labels for a two-way output',
      ...(await rewritten({ labels: [...manifest.labels, 'neutral'] })),
      failure: { mismatch: /the output needs 2 labels, the artifact names 3/ },
    },
    {
      name: 'a config whose embedding is wider than the weights',
      ...(await rewritten({ modelTopology: { ...topology, input: { ...topology.input, embeddingDim: topology.input.embeddingDim * 2 } } })),
      failure: { mismatch: /tensor "embedding\/embeddings" has shape \[\d+,\d+\], the config needs/ },
    },
    {
      name: 'a config with a dense layer the weights do not have',
      ...(await rewritten({ modelTopology: { ...topology, dense: [...topology.dense, { units: 8, activation: 'relu' }] } })),
      failure: { mismatch: /missing tensor|has shape/ },
    },
  ];
}
