// A change's signal: the arrow follows the sign of the number (▲ up, ▼ down), the colour whether
// that is good for this figure (refunds falling is a green ▼, revenue falling a red ▼).

export type Direction = 'up' | 'down' | 'flat';
export type Tone = 'good' | 'bad' | 'neutral';

export interface Signal {
  direction: Direction;
  arrow: string;
  tone: Tone;
  /** "increase"/"decrease" and whether it is good, for screen readers (the arrow and colour are not read). */
  words: string;
}

export function signalOf(change: number | null | undefined, higherIsBetter: boolean): Signal {
  if (change === null || change === undefined || change === 0) return { direction: 'flat', arrow: '', tone: 'neutral', words: change === 0 ? 'no change' : '' };
  const direction: Direction = change > 0 ? 'up' : 'down';
  const tone: Tone = (change > 0) === higherIsBetter ? 'good' : 'bad';
  return { direction, arrow: direction === 'up' ? '▲' : '▼', tone, words: `${direction === 'up' ? 'increase' : 'decrease'}, ${tone}` };
}
