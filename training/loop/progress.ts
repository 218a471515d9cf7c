import cliProgress from 'cli-progress';

export interface StepReport {
  step: number;
  loss: number;
  accuracy: number;
  examplesPerSecond: number;
}

/** A training progress bar: step, loss, accuracy, examples/s and ETA. */
export interface EpochProgress {
  update(report: StepReport): void;
  stop(): void;
}

/**
 * One bar per epoch on a terminal; on a pipe (CI, logs) a line every few
 * seconds instead of redraws.
 *
 * @example
 * const bar = epochProgress({ epoch: 1, epochs: 5, steps: 625, firstStep: 0 });
 * bar.update({ step: 120, loss: 0.51, accuracy: 0.74, examplesPerSecond: 310 });
 * // epoch 1/5 [██████░░░░░░░░░░░░░░░░░░░░░░░░] 120/625 | loss 0.5100 acc 0.740 | 310 ex/s | ETA 52s
 */
export function epochProgress(options: { epoch: number; epochs: number; steps: number; firstStep: number }): EpochProgress {
  const bar = new cliProgress.SingleBar(
    {
      format: `epoch ${options.epoch}/${options.epochs} [{bar}] {value}/{total} | loss {loss} acc {accuracy} | {rate} ex/s | ETA {eta_formatted}`,
      barsize: 30,
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 5000,
      etaBuffer: 50,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(options.steps, options.firstStep, { loss: '—', accuracy: '—', rate: '—' });
  return {
    update: (report) =>
      bar.update(report.step, {
        loss: report.loss.toFixed(4),
        accuracy: report.accuracy.toFixed(3),
        rate: Math.round(report.examplesPerSecond),
      }),
    stop: () => bar.stop(),
  };
}

/**
 * A download bar (bytes, rate, ETA) fed by a loader's `onProgress(bytes, total)`.
 *
 * @example
 * const bar = downloadProgress('aclImdb_v1.tar.gz');
 * await downloadToCache({ onProgress: bar.update });
 * bar.stop();
 */
export function downloadProgress(name: string): { update: (bytes: number, total: number | undefined) => void; stop: () => void } {
  const bar = new cliProgress.SingleBar(
    {
      format: `downloading ${name} [{bar}] {percentage}% | {value}/{total} bytes | ETA {eta_formatted}`,
      barsize: 30,
      noTTYOutput: true,
      notTTYSchedule: 5000,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update: (bytes, total) => {
      if (!started) bar.start(total ?? 0, bytes);
      started = true;
      if (total !== undefined) bar.setTotal(total);
      bar.update(bytes);
    },
    stop: () => started && bar.stop(),
  };
}
