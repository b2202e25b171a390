import { describe, expect, it } from 'vitest';
import { outageComparisonChart } from '../../../src/report/charts.js';

const labelsOf = (spec: ReturnType<typeof outageComparisonChart>) => (spec.config.data.datasets as Array<{ label?: string; data: unknown[] }>).map((d) => d.label);

describe('outageComparisonChart', () => {
  it('draws the predicted interval beside the runs where the model has one', () => {
    const spec = outageComparisonChart(
      [
        { experiment: 'leader-crash', outages_ms: [20_600, 24_500], predicted: { lo_ms: 18_200, hi_ms: 23_300 } },
        { experiment: 'replica-stop', outages_ms: [0], predicted: null },
      ],
      'en',
    );
    expect(labelsOf(spec)).toEqual(['spread (min–max)', 'run', 'predicted interval']);
    const predicted = (spec.config.data.datasets as Array<{ data: unknown[] }>)[2]!.data;
    expect(predicted).toEqual([[18.2, 23.3], null]);
  });

  it('names no prediction in the legend when none is drawn (a repeat\'s spread)', () => {
    const spec = outageComparisonChart([{ experiment: 'write outage', outages_ms: [3_100, 3_400, 3_900], predicted: null }], 'ru', {
      id: 'repeat-spread',
      title: 'Spread',
      caption: '',
      axis: 's',
    });
    expect(labelsOf(spec)).toEqual(['разброс (мин–макс)', 'запуск']);
  });
});
