/** The tab a key moves to from `shown` in a tab list (arrows wrap, Home, End), or null for any other key. */
export function nextTab<T>(ids: readonly T[], shown: T, key: string): T | null {
  const i = ids.indexOf(shown);
  const to = key === 'ArrowRight' ? i + 1 : key === 'ArrowLeft' ? i - 1 : key === 'Home' ? 0 : key === 'End' ? ids.length - 1 : null;
  if (to === null || !ids.length) return null;
  return ids[(to + ids.length) % ids.length]!;
}
