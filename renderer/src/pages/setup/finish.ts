import { call } from '../../api/client';

/** Marks the first-run setup done (Finish, Skip setup, or the dashboard's Not now). */
export async function finishSetup(): Promise<void> {
  await call('settings.set', { key: 'setup.completed', value: true });
}
