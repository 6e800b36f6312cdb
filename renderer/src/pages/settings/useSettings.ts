/** The stored settings, reloaded when one changes (its own module: the dashboard uses it without the settings forms). */
import { useApi, useEvent } from '../../api/hooks';

export function useSettings() {
  const q = useApi('settings.get', {});
  useEvent('settings.changed', () => q.reload());
  return q;
}
