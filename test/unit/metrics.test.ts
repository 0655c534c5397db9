import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../lib/metrics.js';

describe('createMetrics', () => {
  it("writes each data point in its stage's namespace, so stages never watch each other", () => {
    // Prepare
    const lines: string[] = [];
    const metrics = createMetrics({
      namespace: 'ProctoringReviews/prod',
      sink: (line) => lines.push(line),
      clock: () => new Date('2026-01-02T03:04:05.000Z'),
    });

    // Act
    metrics.count('ReconciledRevisions', 3);

    // Assess
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      {
        _aws: {
          Timestamp: Date.parse('2026-01-02T03:04:05.000Z'),
          CloudWatchMetrics: [
            {
              Namespace: 'ProctoringReviews/prod',
              Dimensions: [['service']],
              Metrics: [{ Name: 'ReconciledRevisions', Unit: 'Count' }],
            },
          ],
        },
        service: 'proctoring-reviews',
        ReconciledRevisions: 3,
      },
    ]);
  });
});
