import { defineConfig } from 'vitest/config';

// Tests against a real OS keychain: run by `npm run test:keychain`, which starts
// a D-Bus session and an unlocked gnome-keyring (scripts/with-keyring.sh).
export default defineConfig({
  test: { include: ['tests/keychain/**/*.test.ts'], testTimeout: 30_000, pool: 'forks' },
});
