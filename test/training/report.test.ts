import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../shared/random';
import { learningCurveSvg } from '../../training/report/learning-curve-svg';
import { binaryMetrics, confusionMatrix, multiclassMetrics, rocAuc } from '../../training/report/metrics';
import { testReportMarkdown } from '../../training/report/test-report';
import type { BinaryMetrics, EpochMetrics, MulticlassMetrics } from '../../training/report/types';

/** The definition of ROC-AUC: the share of (positive, negative) pairs in order, a tie counting one half. O(n²). */
function pairwiseAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  let inOrder = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      if (scores[i] > scores[j]) inOrder += 1;
      else if (scores[i] === scores[j]) inOrder += 0.5;
    }
  }
  return inOrder / pairs;
}

describe('binaryMetrics', () => {
  // Worked by hand, threshold 0.5 (strictly greater counts as positive):
  //   probability  0.9  0.6  0.6  0.4  0.2
  //   label        1    1    0    0    1
  //   predicted    1    1    1    0    0
  // TP = 2, FP = 1, FN = 1, TN = 1
  // accuracy 3/5, precision 2/3, recall 2/3, F1 = 2·2 / (2·2 + 1 + 1) = 2/3
  // ROC-AUC: 3 positives × 2 negatives = 6 pairs. 0.9 beats 0.6 and 0.4 (2); the
  //   positive 0.6 beats 0.4 (1) and ties the negative 0.6 (½); 0.2 beats neither. 3.5 / 6 = 7/12.
  // loss = −(ln 0.9 + ln 0.6 + ln(1 − 0.6) + ln(1 − 0.4) + ln 0.2) / 5
  const probabilities = [0.9, 0.6, 0.6, 0.4, 0.2];
  const labels = [1, 1, 0, 0, 1];
  const handLoss = -(Math.log(0.9) + Math.log(0.6) + Math.log(0.4) + Math.log(0.6) + Math.log(0.2)) / 5;

  it('matches the hand-worked example', () => {
    const metrics = binaryMetrics(probabilities, labels);
    expect(metrics.kind).toBe('binary');
    expect(metrics.accuracy).toBeCloseTo(3 / 5, 12);
    expect(metrics.precision).toBeCloseTo(2 / 3, 12);
    expect(metrics.recall).toBeCloseTo(2 / 3, 12);
    expect(metrics.f1).toBeCloseTo(2 / 3, 12);
    expect(metrics.rocAuc).toBeCloseTo(7 / 12, 12);
    expect(metrics.loss).toBeCloseTo(handLoss, 12);
  });

  it('gives the same answer for float32 model outputs, to float32 rounding', () => {
    const metrics = binaryMetrics(new Float32Array(probabilities), labels);
    expect(metrics.accuracy).toBe(3 / 5);
    expect(metrics.rocAuc).toBeCloseTo(7 / 12, 12);
    expect(metrics.loss).toBeCloseTo(handLoss, 6);
  });

  it('counts a probability equal to the threshold as negative, like Keras binary_accuracy', () => {
    const metrics = binaryMetrics([0.5, 0.5], [1, 0]);
    expect(metrics.accuracy).toBe(0.5);
    expect(metrics.recall).toBe(0);
  });

  it('applies the given threshold', () => {
    // Both are above 0.2: one true positive and one false positive.
    const metrics = binaryMetrics([0.3, 0.7], [1, 0], 0.2);
    expect(metrics.precision).toBe(0.5);
    expect(metrics.recall).toBe(1);
    expect(metrics.accuracy).toBe(0.5);
  });

  it('reports 0, not NaN, when nothing is predicted positive and no label is positive (zero_division=0)', () => {
    const metrics = binaryMetrics([0.1, 0.2, 0.3], [0, 0, 0]);
    expect(metrics.accuracy).toBe(1);
    expect(metrics.precision).toBe(0);
    expect(metrics.recall).toBe(0);
    expect(metrics.f1).toBe(0);
    expect(metrics.rocAuc).toBeNaN();
  });

  it('clips probabilities at 1e-7 so that a certain mistake costs −ln(1e-7), not Infinity', () => {
    expect(binaryMetrics([0, 1], [1, 0]).loss).toBeCloseTo(-Math.log(1e-7), 9);
    const certainAndRight = binaryMetrics([1, 0], [1, 0]).loss;
    expect(certainAndRight).toBeGreaterThan(0);
    expect(certainAndRight).toBeCloseTo(-Math.log(1 - 1e-7), 15);
  });

  it('rejects bad input with errors that name the problem', () => {
    expect(() => binaryMetrics([], [])).toThrow(/no examples/);
    expect(() => binaryMetrics([0.5, 0.5], [1])).toThrow(/2 predictions for 1 labels/);
    expect(() => binaryMetrics([0.5], [2])).toThrow(/labels\[0\] is 2/);
    expect(() => binaryMetrics([0.5, 1.5], [1, 0])).toThrow(/probabilities\[1\] is 1.5/);
    expect(() => binaryMetrics([Number.NaN], [1])).toThrow(/probabilities\[0\] is NaN/);
    expect(() => binaryMetrics([0.5], [1], Number.NaN)).toThrow(/threshold/);
  });
});

describe('rocAuc', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one and ½ when every score ties', () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0])).toBe(0);
    expect(rocAuc([0.5, 0.5, 0.5], [0, 1, 1])).toBe(0.5);
  });

  it('equals the pairwise definition on heavily tied scores (property)', () => {
    const example = fc.record({ score: fc.integer({ min: 0, max: 4 }), label: fc.constantFrom(0, 1) });
    fc.assert(
      fc.property(
        fc.array(example, { minLength: 2, maxLength: 60 }).filter((rows) => new Set(rows.map((row) => row.label)).size === 2),
        (rows) => {
          const scores = rows.map((row) => row.score / 4);
          const labels = rows.map((row) => row.label);
          expect(rocAuc(scores, labels)).toBeCloseTo(pairwiseAuc(scores, labels), 12);
        },
      ),
    );
  });

  it('equals the pairwise definition on 3,000 float32 scores rounded to two decimals', () => {
    const random = createRandom(7);
    const labels = Array.from({ length: 3000 }, () => (random() < 0.4 ? 1 : 0));
    // Positives score a little higher on average, so the AUC is neither ½ nor 1.
    const scores = new Float32Array(labels.map((label) => Math.round(Math.min(1, random() * 0.8 + label * 0.2) * 100) / 100));
    const reference = pairwiseAuc(scores, labels);
    expect(reference).toBeGreaterThan(0.6);
    expect(reference).toBeLessThan(0.9);
    expect(rocAuc(scores, labels)).toBeCloseTo(reference, 12);
  });
});

describe('multiclassMetrics', () => {
  // Worked by hand: 4 classes, class 3 never occurs and is never predicted.
  //   row  probabilities               label  argmax
  //   0    0.7  0.1  0.1   0.1         0      0
  //   1    0.2  0.6  0.1   0.1         0      1
  //   2    0.1  0.8  0.05  0.05        1      1
  //   3    0.3  0.4  0.2   0.1         1      1
  //   4    0.5  0.2  0.25  0.05        2      0
  // class 0: TP 1, FP 1 (row 4), FN 1 (row 1) → P ½, R ½, F1 ½, support 2
  // class 1: TP 2, FP 1 (row 1), FN 0        → P ⅔, R 1, F1 = 4/5, support 2
  // class 2: TP 0, FP 0, FN 1                → P 0 (nothing predicted), R 0, F1 0, support 1
  // class 3: nothing at all                  → 0, 0, 0, support 0, left out of the macro average
  // macro-F1 = (½ + 4/5 + 0) / 3; accuracy 3/5
  // loss = −(ln 0.7 + ln 0.2 + ln 0.8 + ln 0.4 + ln 0.25) / 5
  const probabilities = [
    [0.7, 0.1, 0.1, 0.1],
    [0.2, 0.6, 0.1, 0.1],
    [0.1, 0.8, 0.05, 0.05],
    [0.3, 0.4, 0.2, 0.1],
    [0.5, 0.2, 0.25, 0.05],
  ].flat();
  const labels = [0, 0, 1, 1, 2];

  it('matches the hand-worked example, leaving the absent class out of macro-F1', () => {
    const metrics = multiclassMetrics(probabilities, labels, 4);
    expect(metrics.kind).toBe('multiclass');
    expect(metrics.accuracy).toBeCloseTo(3 / 5, 12);
    expect(metrics.macroF1).toBeCloseTo((1 / 2 + 4 / 5 + 0) / 3, 12);
    const expected = [
      { precision: 1 / 2, recall: 1 / 2, f1: 1 / 2, support: 2 },
      { precision: 2 / 3, recall: 1, f1: 4 / 5, support: 2 },
      { precision: 0, recall: 0, f1: 0, support: 1 },
      { precision: 0, recall: 0, f1: 0, support: 0 },
    ];
    metrics.perClass.forEach((scores, id) => {
      expect(scores.support).toBe(expected[id].support);
      expect(scores.precision).toBeCloseTo(expected[id].precision, 12);
      expect(scores.recall).toBeCloseTo(expected[id].recall, 12);
      expect(scores.f1).toBeCloseTo(expected[id].f1, 12);
    });
    const handLoss = -(Math.log(0.7) + Math.log(0.2) + Math.log(0.8) + Math.log(0.4) + Math.log(0.25)) / 5;
    expect(metrics.loss).toBeCloseTo(handLoss, 12);
  });

  it('keeps a class that is predicted but never occurs in the macro average, with F1 0', () => {
    // Row 1 (label 1) is predicted as class 2: F1 is 1, 0 and 0.
    const metrics = multiclassMetrics(new Float32Array([0.7, 0.2, 0.1, 0.1, 0.1, 0.8]), [0, 1], 3);
    expect(metrics.macroF1).toBeCloseTo(1 / 3, 12);
  });

  it('agrees with binaryMetrics on two-class softmax outputs [1 − p, p]', () => {
    const random = createRandom(11);
    const positive = Array.from({ length: 500 }, () => random());
    const labels = positive.map((p) => (random() < p ? 1 : 0));
    const binary = binaryMetrics(positive, labels);
    const multiclass = multiclassMetrics(positive.flatMap((p) => [1 - p, p]), labels, 2);
    expect(multiclass.accuracy).toBeCloseTo(binary.accuracy, 12);
    expect(multiclass.loss).toBeCloseTo(binary.loss, 9);
    expect(multiclass.perClass[1].precision).toBeCloseTo(binary.precision, 12);
    expect(multiclass.perClass[1].recall).toBeCloseTo(binary.recall, 12);
    expect(multiclass.perClass[1].f1).toBeCloseTo(binary.f1, 12);
  });

  it('rejects bad input with errors that name the problem', () => {
    expect(() => multiclassMetrics([], [], 3)).toThrow(/no examples/);
    expect(() => multiclassMetrics([0.5, 0.5], [0, 1], 2)).toThrow(/\[2, 2\] row-major/);
    expect(() => multiclassMetrics([0.5, 0.5], [2], 2)).toThrow(/labels\[0\] is 2/);
    expect(() => multiclassMetrics([1], [0], 1)).toThrow(/classes must be an integer of at least 2/);
    // The same six numbers read as [3, 2] when they were written as [2, 3]: rows no longer sum to 1.
    const transposed = [0.7, 0.1, 0.2, 0.1, 0.1, 0.8];
    expect(() => multiclassMetrics(transposed, [0, 1, 1], 2)).toThrow(/row 0 of probabilities sums to 0.8/);
  });
});

describe('confusionMatrix', () => {
  it('puts actual classes in rows and predicted classes in columns', () => {
    //   actual     0  0  1  2  1  2
    //   predicted  0  1  1  2  2  2
    expect(confusionMatrix([0, 1, 1, 2, 2, 2], [0, 0, 1, 2, 1, 2], 3)).toEqual([
      [1, 1, 0],
      [0, 1, 1],
      [0, 0, 2],
    ]);
  });

  it('rejects class ids out of range and empty input', () => {
    expect(() => confusionMatrix([3], [0], 3)).toThrow(/predicted\[0\] is 3/);
    expect(() => confusionMatrix([0], [1.5], 3)).toThrow(/actual\[0\] is 1.5/);
    expect(() => confusionMatrix([], [], 3)).toThrow(/no examples/);
  });
});

/**
 * Checks that `xml` is well-formed in the way a renderer needs: one root
 * element, every tag closed in order, attributes quoted, and no raw `<` or
 * stray `&` in text or attribute values.
 */
function assertWellFormedXml(xml: string): void {
  const stack: string[] = [];
  let roots = 0;
  const strayAmpersand = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i;
  for (const [token] of xml.matchAll(/<[^>]*>|[^<]+/g)) {
    if (!token.startsWith('<')) {
      if (strayAmpersand.test(token)) throw new Error(`stray & in text: ${token}`);
      if (stack.length === 0 && token.trim() !== '') throw new Error(`text outside the root: ${token}`);
      continue;
    }
    const tag = /^<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+="[^"<]*")*)\s*(\/?)>$/.exec(token);
    if (!tag) throw new Error(`malformed tag: ${token}`);
    const [, closing, name, attributes, selfClosing] = tag;
    if (strayAmpersand.test(attributes)) throw new Error(`stray & in attributes: ${token}`);
    if (closing) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
      continue;
    }
    if (stack.length === 0) roots++;
    if (!selfClosing) stack.push(name);
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('>, <')}>`);
  if (roots !== 1) throw new Error(`expected one root element, found ${roots}`);
}

function seriesGroup(svg: string, series: string): string {
  const group = new RegExp(`<g data-series="${series}">([\\s\\S]*?)</g>`).exec(svg);
  if (!group) throw new Error(`no series ${series}`);
  return group[1];
}

/** The centres of a series' data points (radius 3; the best-epoch ring is larger). */
function points(svg: string, series: string): { x: number; y: number }[] {
  return [...seriesGroup(svg, series).matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)" r="3"/g)].map((match) => ({
    x: Number(match[1]),
    y: Number(match[2]),
  }));
}

describe('learningCurveSvg', () => {
  // The Keras tutorial's run: overfits after epoch 2.
  const history: EpochMetrics[] = [
    { epoch: 1, loss: 0.4521, accuracy: 0.7801, valLoss: 0.3842, valAccuracy: 0.8293 },
    { epoch: 2, loss: 0.3105, accuracy: 0.8702, valLoss: 0.379, valAccuracy: 0.8312 },
    { epoch: 3, loss: 0.241, accuracy: 0.9055, valLoss: 0.3985, valAccuracy: 0.8294 },
    { epoch: 4, loss: 0.1862, accuracy: 0.9301, valLoss: 0.431, valAccuracy: 0.8275 },
  ];
  const allSeries = ['train-loss', 'validation-loss', 'train-accuracy', 'validation-accuracy'];

  it('the well-formedness check itself catches broken markup', () => {
    expect(() => assertWellFormedXml('<svg><g></svg>')).toThrow(/closes/);
    expect(() => assertWellFormedXml('<svg><text>a < b</text></svg>')).toThrow(/malformed/);
    expect(() => assertWellFormedXml('<svg><text>a & b</text></svg>')).toThrow(/stray &/);
    expect(() => assertWellFormedXml('<svg x=1/>')).toThrow(/malformed/);
    expect(() => assertWellFormedXml('<svg/><svg/>')).toThrow(/one root/);
  });

  it('is a well-formed 900×360 SVG with no external resources', () => {
    const svg = learningCurveSvg(history, { bestEpoch: 2 });
    assertWellFormedXml(svg);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="900" height="360" viewBox="0 0 900 360"/);
    expect(svg).not.toMatch(/href|<script|@import|url\(/);
  });

  it('draws all four series, one point per epoch, in epoch order, with larger values higher up', () => {
    const svg = learningCurveSvg(history);
    for (const series of allSeries) {
      const drawn = points(svg, series);
      expect(drawn).toHaveLength(history.length);
      for (let i = 1; i < drawn.length; i++) expect(drawn[i].x).toBeGreaterThan(drawn[i - 1].x);
    }
    for (const [panel, value] of [
      ['loss', (entry: EpochMetrics) => [entry.loss, entry.valLoss]],
      ['accuracy', (entry: EpochMetrics) => [entry.accuracy, entry.valAccuracy]],
    ] as const) {
      const train = points(svg, `train-${panel}`);
      const validation = points(svg, `validation-${panel}`);
      // Screen y grows downwards, so y + value·k must be the same for every point of a panel.
      const pairs = history.flatMap((entry, i) => [
        { value: value(entry)[0], y: train[i].y },
        { value: value(entry)[1], y: validation[i].y },
      ]);
      const pixelsPerUnit = (pairs[1].y - pairs[0].y) / (pairs[0].value - pairs[1].value);
      expect(pixelsPerUnit).toBeGreaterThan(0);
      for (const pair of pairs) expect(pair.y + pair.value * pixelsPerUnit).toBeCloseTo(pairs[0].y + pairs[0].value * pixelsPerUnit, 0);
      expect(train.map((point) => point.x)).toEqual(validation.map((point) => point.x));
    }
    expect(svg).toContain('>train</text>');
    expect(svg).toContain('>validation</text>');
  });

  it('marks the best epoch in both panels and in the legend', () => {
    const svg = learningCurveSvg(history, { bestEpoch: 2 });
    const markers = [...svg.matchAll(/<line data-best-epoch="2" x1="([\d.]+)"/g)].map((match) => Number(match[1]));
    expect(markers).toHaveLength(2);
    expect(markers[0]).toBe(points(svg, 'validation-loss')[1].x);
    expect(markers[1]).toBe(points(svg, 'validation-accuracy')[1].x);
    expect(svg).toContain('best epoch (2)');
    expect(learningCurveSvg(history)).not.toMatch(/best/);
  });

  it('escapes markup in the title', () => {
    const svg = learningCurveSvg(history, { title: 'IMDB <len 100> & "tutorial"' });
    assertWellFormedXml(svg);
    expect(svg).toContain('>IMDB &lt;len 100&gt; &amp; &quot;tutorial&quot;</text>');
    expect(svg).not.toContain('<len');
  });

  it('draws a single epoch as one point per series', () => {
    const svg = learningCurveSvg([history[0]], { bestEpoch: 1 });
    assertWellFormedXml(svg);
    for (const series of allSeries) expect(points(svg, series)).toHaveLength(1);
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('gives constant values a readable axis instead of dividing by zero', () => {
    const flat = [1, 2, 3].map((epoch) => ({ epoch, loss: 0.5, accuracy: 1, valLoss: 0.5, valAccuracy: 1 }));
    const svg = learningCurveSvg(flat);
    assertWellFormedXml(svg);
    expect(svg).not.toMatch(/NaN|Infinity/);
    const yTicks = [...svg.matchAll(/text-anchor="end">([^<]+)</g)].map((match) => Number(match[1]));
    expect(new Set(yTicks).size).toBeGreaterThan(4);
    // Accuracy cannot exceed 1, so the axis does not either.
    expect(Math.max(...yTicks)).toBeLessThanOrEqual(1);
  });

  it('skips NaN values and breaks the line there', () => {
    const gappy = history.map((entry) => (entry.epoch === 3 ? { ...entry, valLoss: Number.NaN } : entry));
    const svg = learningCurveSvg(gappy);
    assertWellFormedXml(svg);
    expect(svg).not.toMatch(/NaN/);
    expect(points(svg, 'validation-loss')).toHaveLength(3);
    const path = /<path d="([^"]+)"/.exec(seriesGroup(svg, 'validation-loss'))![1];
    expect(path.match(/M/g)).toHaveLength(2);
    const missing = history.map((entry) => ({ ...entry, accuracy: Number.NaN, valAccuracy: Number.NaN }));
    expect(learningCurveSvg(missing)).toContain('no finite values');
  });

  it('rejects an empty history and a best epoch it does not hold', () => {
    expect(() => learningCurveSvg([])).toThrow(/history is empty/);
    expect(() => learningCurveSvg(history, { bestEpoch: 9 })).toThrow(/bestEpoch 9/);
    expect(() => learningCurveSvg([{ ...history[0], epoch: Number.NaN }])).toThrow(/epoch is NaN/);
  });
});

describe('testReportMarkdown', () => {
  const binary = (accuracy: number, f1: number, rocAuc: number, loss: number): BinaryMetrics => ({
    kind: 'binary',
    accuracy,
    precision: 0.8,
    recall: 0.8,
    f1,
    rocAuc,
    loss,
  });
  const confusion = [
    [10_612, 1_888],
    [2_345, 10_155],
  ];
  /** A binary report whose float and quantized scores are the same. */
  const sameScores = {
    labels: ['neg', 'pos'],
    float: binary(0.83, 0.83, 0.91, 0.38),
    quantized: binary(0.83, 0.83, 0.91, 0.38),
    confusion,
    quantization: 'uint8',
    examples: 25_000,
  };

  /** Splits a Markdown table row into cells, honouring `\|`. */
  const cells = (row: string) =>
    row
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim());

  it('sets the float and quantized scores side by side with their difference', () => {
    const markdown = testReportMarkdown({
      labels: ['neg', 'pos'],
      float: binary(0.8312, 0.83, 0.9101, 0.379),
      quantized: binary(0.8305, 0.8291, 0.91, 0.3801),
      confusion,
      quantization: 'uint8',
      examples: 25_000,
    });
    const rows = markdown.split('\n');
    expect(rows).toContain('| metric | float32 | quantized (uint8) | difference |');
    expect(rows).toContain('| accuracy | 0.8312 | 0.8305 | -0.0007 |');
    expect(rows).toContain('| F1 of pos | 0.8300 | 0.8291 | -0.0009 |');
    expect(rows).toContain('| ROC-AUC | 0.9101 | 0.9100 | -0.0001 |');
    expect(rows).toContain('| loss | 0.3790 | 0.3801 | +0.0011 |');
    expect(markdown).toContain('25,000 test examples');
  });

  it('shows the quantized confusion matrix under the label names', () => {
    const markdown = testReportMarkdown({
      labels: ['neg', 'pos'],
      float: binary(0.83, 0.83, 0.91, 0.38),
      quantized: binary(0.83, 0.83, Number.NaN, 0.38),
      confusion,
      quantization: 'uint8',
      examples: 25_000,
    });
    const rows = markdown.split('\n');
    expect(rows).toContain('| true label | neg | pos |');
    expect(rows).toContain('| neg | 10,612 | 1,888 |');
    expect(rows).toContain('| pos | 2,345 | 10,155 |');
    expect(rows).toContain('| ROC-AUC | 0.9100 | n/a | n/a |');
  });

  it('reports macro-F1 and F1 per label for a multiclass model, escaping label names', () => {
    const multiclass = (f1: number): MulticlassMetrics => ({
      kind: 'multiclass',
      accuracy: 0.7,
      macroF1: f1,
      perClass: [0, 1, 2].map(() => ({ precision: f1, recall: f1, f1, support: 1 })),
      loss: 0.9,
    });
    const markdown = testReportMarkdown({
      labels: ['a|b', 'c*d', 'e'],
      float: multiclass(0.6),
      quantized: multiclass(0.55),
      confusion: [
        [1, 0, 0],
        [0, 1, 0],
        [1, 0, 0],
      ],
      quantization: 'float16',
      examples: 3,
    });
    const rows = markdown.split('\n');
    expect(rows).toContain('| macro-F1 | 0.6000 | 0.5500 | -0.0500 |');
    expect(markdown).not.toContain('ROC-AUC');
    const header = rows.find((row) => row.startsWith('| true label'))!;
    expect(cells(header)).toEqual(['true label', 'a\\|b', 'c\\*d', 'e']);
    const labelRow = rows.find((row) => row.startsWith('| a\\|b | 1 |'))!;
    expect(cells(labelRow)).toEqual(['a\\|b', '1', '0.6000', '0.5500']);
  });

  it('rejects inputs that do not belong together', () => {
    const input = sameScores;
    expect(() => testReportMarkdown({ ...input, examples: 24_999 })).toThrow(/counts 25000 examples, not 24999/);
    expect(() => testReportMarkdown({ ...input, labels: ['a', 'b', 'c'] })).toThrow(/exactly two labels/);
    expect(() => testReportMarkdown({ ...input, confusion: [[1, 2]] })).toThrow(/2 × 2/);
    const multiclass: MulticlassMetrics = { kind: 'multiclass', accuracy: 1, macroF1: 1, perClass: [], loss: 0 };
    expect(() => testReportMarkdown({ ...input, quantized: multiclass })).toThrow(/binary but the quantized ones multiclass/);
    const influence = { words: [[]], examples: 2000, minOccurrences: 10 };
    expect(() => testReportMarkdown({ ...input, influence })).toThrow(/the words that drove the answers cover 1 labels but there are 2/);
  });

  it('lists the words that drove the answers under each label, signed, with their occurrences, escaped', () => {
    const markdown = testReportMarkdown({
      ...sameScores,
      influence: {
        words: [
          [
            { word: '410', contribution: 0.1061, occurrences: 13 },
            { word: 'dull', contribution: 0.0714, occurrences: 1_051 },
          ],
          [],
        ],
        examples: 2000,
        minOccurrences: 10,
      },
    });
    const rows = markdown.split('\n');
    expect(rows).toContain('## Words that drove the answers');
    expect(markdown).toContain('The first 2,000 test examples explained by gradient × input');
    expect(markdown).toContain('among words seen at least 10 times in those examples');
    expect(rows).toContain('| neg | 410 +0.106 (13), dull +0.071 (1,051) |');
    expect(rows).toContain('| pos | none seen often enough |');
  });
});
