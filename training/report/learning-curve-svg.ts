import type { EpochMetrics } from './types';

export interface LearningCurveOptions {
  /** Drawn above both panels. */
  title?: string;
  /** The epoch whose weights were kept; marked in both panels. Must be one of the history's epochs. */
  bestEpoch?: number;
}

const WIDTH = 900;
const HEIGHT = 360;
const PANEL_WIDTH = WIDTH / 2;
const PLOT = { left: 58, right: 18, top: 58, bottom: 290 };
const FONT = "system-ui, 'Segoe UI', Roboto, 'DejaVu Sans', Arial, sans-serif";
const COLORS = { train: '#1f6fb4', validation: '#e8590c', best: '#2b8a3e', axis: '#444', grid: '#e3e3e3', text: '#222' };
/** Validation is dashed as well as coloured, so the two stay apart in greyscale and for colour-blind readers. */
const VALIDATION_DASH = '7 4';
const Y_TICK_TARGET = 5;
const X_TICK_TARGET = 8;

type Series = 'train' | 'validation';

interface Panel {
  name: string;
  key: string;
  /** The values the metric can take, so that padding never shows a negative loss or an accuracy above 1. */
  range: { min: number; max: number };
  train: (entry: EpochMetrics) => number;
  validation: (entry: EpochMetrics) => number;
}

const PANELS: Panel[] = [
  {
    name: 'Loss',
    key: 'loss',
    range: { min: 0, max: Infinity },
    train: (entry) => entry.loss,
    validation: (entry) => entry.valLoss,
  },
  {
    name: 'Accuracy',
    key: 'accuracy',
    range: { min: 0, max: 1 },
    train: (entry) => entry.accuracy,
    validation: (entry) => entry.valAccuracy,
  },
];

interface Axis {
  min: number;
  max: number;
  ticks: number[];
  decimals: number;
}

/**
 * Draws loss and accuracy per epoch, training against validation, as a
 * self-contained 900×360 SVG: two panels side by side, with ticks, a legend
 * and the kept epoch marked. Points whose value is NaN or infinite are left
 * out, breaking the line there.
 *
 * @throws RangeError when the history is empty, an epoch is not a finite
 *   number, or `bestEpoch` is not one of the history's epochs
 *
 * @example
 * ```ts
 * const svg = learningCurveSvg(
 *   [
 *     { epoch: 1, loss: 0.45, accuracy: 0.78, valLoss: 0.38, valAccuracy: 0.829 },
 *     { epoch: 2, loss: 0.31, accuracy: 0.87, valLoss: 0.37, valAccuracy: 0.831 },
 *   ],
 *   { title: 'IMDB BiLSTM', bestEpoch: 2 },
 * );
 * svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="900" height="360"'); // true
 * ```
 */
export function learningCurveSvg(history: EpochMetrics[], options: LearningCurveOptions = {}): string {
  if (history.length === 0) {
    throw new RangeError('learningCurveSvg: the history is empty; train for at least one epoch');
  }
  history.forEach((entry, index) => {
    if (!Number.isFinite(entry.epoch)) {
      throw new RangeError(`learningCurveSvg: history[${index}].epoch is ${entry.epoch}; expected a finite number`);
    }
  });
  const { title, bestEpoch } = options;
  if (bestEpoch !== undefined && !history.some((entry) => entry.epoch === bestEpoch)) {
    throw new RangeError(`learningCurveSvg: bestEpoch ${bestEpoch} is not one of the history's epochs`);
  }
  const epochs = [...history].sort((a, b) => a.epoch - b.epoch);
  const xAxis = epochAxis(epochs[0].epoch, epochs[epochs.length - 1].epoch);
  const label = title ?? 'Learning curve';

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeXml(label)}" font-family="${FONT}" fill="${COLORS.text}">`,
    `<title>${escapeXml(label)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${WIDTH / 2}" y="26" font-size="17" font-weight="600" text-anchor="middle">${escapeXml(label)}</text>`,
    ...PANELS.map((panel, index) => drawPanel(panel, epochs, xAxis, index * PANEL_WIDTH, bestEpoch)),
    drawLegend(bestEpoch),
    '</svg>',
    '',
  ].join('\n');
}

function drawPanel(panel: Panel, epochs: EpochMetrics[], xAxis: Axis, offsetX: number, bestEpoch?: number): string {
  const left = offsetX + PLOT.left;
  const right = offsetX + PANEL_WIDTH - PLOT.right;
  const values = epochs.flatMap((entry) => [panel.train(entry), panel.validation(entry)]).filter(Number.isFinite);
  const yAxis = valueAxis(values, panel.range);
  const x = (epoch: number) => left + ((epoch - xAxis.min) / (xAxis.max - xAxis.min)) * (right - left);
  const y = (value: number) => PLOT.bottom - ((value - yAxis.min) / (yAxis.max - yAxis.min)) * (PLOT.bottom - PLOT.top);

  const parts = [`<g data-panel="${panel.key}">`];
  parts.push(`<text x="${left}" y="${PLOT.top - 12}" font-size="14" font-weight="600">${panel.name}</text>`);
  for (const tick of yAxis.ticks) {
    const tickY = round(y(tick));
    parts.push(`<line x1="${left}" x2="${right}" y1="${tickY}" y2="${tickY}" stroke="${COLORS.grid}"/>`);
    parts.push(
      `<text x="${left - 7}" y="${tickY}" dy="0.35em" font-size="12" text-anchor="end">${tick.toFixed(yAxis.decimals)}</text>`,
    );
  }
  for (const tick of xAxis.ticks) {
    const tickX = round(x(tick));
    parts.push(`<line x1="${tickX}" x2="${tickX}" y1="${PLOT.bottom}" y2="${PLOT.bottom + 5}" stroke="${COLORS.axis}"/>`);
    parts.push(
      `<text x="${tickX}" y="${PLOT.bottom + 19}" font-size="12" text-anchor="middle">${tick.toFixed(xAxis.decimals)}</text>`,
    );
  }
  parts.push(
    `<path d="M${left} ${PLOT.top}V${PLOT.bottom}H${right}" fill="none" stroke="${COLORS.axis}"/>`,
    `<text x="${round((left + right) / 2)}" y="${PLOT.bottom + 38}" font-size="12" text-anchor="middle">epoch</text>`,
  );
  if (values.length === 0) {
    parts.push(
      `<text x="${round((left + right) / 2)}" y="${round((PLOT.top + PLOT.bottom) / 2)}" font-size="13" text-anchor="middle" fill="#888">no finite values</text>`,
    );
  }
  if (bestEpoch !== undefined) {
    const bestX = round(x(bestEpoch));
    parts.push(
      `<line data-best-epoch="${bestEpoch}" x1="${bestX}" x2="${bestX}" y1="${PLOT.top}" y2="${PLOT.bottom}" stroke="${COLORS.best}" stroke-width="1.5" stroke-dasharray="2 3"/>`,
    );
  }
  parts.push(drawSeries(panel, 'train', epochs, x, y, bestEpoch));
  parts.push(drawSeries(panel, 'validation', epochs, x, y, bestEpoch));
  parts.push('</g>');
  return parts.join('\n');
}

function drawSeries(
  panel: Panel,
  series: Series,
  epochs: EpochMetrics[],
  x: (epoch: number) => number,
  y: (value: number) => number,
  bestEpoch?: number,
): string {
  const color = COLORS[series];
  const dash = series === 'validation' ? ` stroke-dasharray="${VALIDATION_DASH}"` : '';
  const points: string[] = [];
  let path = '';
  let penDown = false;
  for (const entry of epochs) {
    const value = panel[series](entry);
    if (!Number.isFinite(value)) {
      penDown = false;
      continue;
    }
    const pointX = round(x(entry.epoch));
    const pointY = round(y(value));
    path += `${penDown ? 'L' : 'M'}${pointX} ${pointY}`;
    penDown = true;
    points.push(`<circle cx="${pointX}" cy="${pointY}" r="3" fill="${color}"/>`);
    if (entry.epoch === bestEpoch && series === 'validation') {
      points.push(`<circle cx="${pointX}" cy="${pointY}" r="7" fill="none" stroke="${COLORS.best}" stroke-width="2"/>`);
    }
  }
  const line = path === '' ? '' : `<path d="${path}" fill="none" stroke="${color}" stroke-width="2"${dash}/>\n`;
  return `<g data-series="${series}-${panel.key}">\n${line}${points.join('\n')}\n</g>`;
}

function drawLegend(bestEpoch?: number): string {
  const y = HEIGHT - 14;
  const items = [
    `<line x1="0" x2="28" y1="0" y2="0" stroke="${COLORS.train}" stroke-width="2"/><circle cx="14" cy="0" r="3" fill="${COLORS.train}"/><text x="34" y="0" dy="0.35em" font-size="13">train</text>`,
    `<line x1="110" x2="138" y1="0" y2="0" stroke="${COLORS.validation}" stroke-width="2" stroke-dasharray="${VALIDATION_DASH}"/><circle cx="124" cy="0" r="3" fill="${COLORS.validation}"/><text x="144" y="0" dy="0.35em" font-size="13">validation</text>`,
  ];
  let width = 220;
  if (bestEpoch !== undefined) {
    items.push(
      `<line x1="250" x2="250" y1="-8" y2="8" stroke="${COLORS.best}" stroke-width="1.5" stroke-dasharray="2 3"/><circle cx="250" cy="0" r="6" fill="none" stroke="${COLORS.best}" stroke-width="2"/><text x="264" y="0" dy="0.35em" font-size="13">best epoch (${bestEpoch})</text>`,
    );
    width = 380;
  }
  return `<g data-legend="" transform="translate(${round((WIDTH - width) / 2)} ${y})">\n${items.join('\n')}\n</g>`;
}

/** Integer epochs from `first` to `last`, with half an epoch of room at each end so that edge points stay clear of the axes. */
function epochAxis(first: number, last: number): Axis {
  const min = first - 0.5;
  const max = last + 0.5;
  const step = Math.max(1, niceStep((max - min) / X_TICK_TARGET));
  return { min, max, ticks: ticksWithin(min, max, step), decimals: 0 };
}

/**
 * A range covering `values` that starts and ends on a round tick, with a
 * little room so that extreme points do not sit on the axis; a flat series
 * gets a small band around its value.
 */
function valueAxis(values: number[], range: { min: number; max: number }): Axis {
  const dataLow = values.length === 0 ? 0 : Math.min(...values);
  const dataHigh = values.length === 0 ? 1 : Math.max(...values);
  const pad = dataHigh > dataLow ? (dataHigh - dataLow) * 0.05 : Math.abs(dataLow) * 0.05 || 0.5;
  const low = dataLow >= range.min ? Math.max(dataLow - pad, range.min) : dataLow - pad;
  const high = dataHigh <= range.max ? Math.min(dataHigh + pad, range.max) : dataHigh + pad;
  const step = niceStep((high - low) / Y_TICK_TARGET);
  const min = Math.floor(low / step) * step;
  const max = Math.ceil(high / step) * step;
  return { min, max, ticks: ticksWithin(min, max, step), decimals: Math.max(0, Math.ceil(-Math.log10(step) - 1e-9)) };
}

/** 1, 2 or 5 times a power of ten: the round step nearest above `rough`. */
function niceStep(rough: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const scaled = rough / magnitude;
  const factor = scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10;
  return factor * magnitude;
}

function ticksWithin(min: number, max: number, step: number): number[] {
  const ticks: number[] = [];
  // Multiplying integer indices, rather than adding step repeatedly, keeps 0.1 + 0.2 drift out of the labels.
  const slack = step * 1e-9;
  for (let index = Math.ceil((min - slack) / step); index * step <= max + slack; index++) ticks.push(index * step);
  return ticks;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

const XML_ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' };

/** Escapes markup characters and drops the control characters that XML 1.0 forbids even as references. */
function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/[<>&"']/g, (character) => XML_ENTITIES[character]);
}
