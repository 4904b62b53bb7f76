import { distance } from 'fastest-levenshtein';

// The known name closest to a mistyped one, if it is close enough to be what was meant.
export function closestName(name: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

// "; did you mean 'x'?" or nothing.
export function didYouMean(name: string, known: readonly string[]): string {
  const match = closestName(name, known);
  return match ? `; did you mean '${match}'?` : '';
}
