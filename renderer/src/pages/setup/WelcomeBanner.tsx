import { useState } from 'react';
import { useAction, useApi } from '../../api/hooks';
import { useNav } from '../../api/nav';
import { finishSetup } from './finish';

/** The dashboard's welcome line until the setup is finished or skipped. */
export function WelcomeBanner() {
  const settings = useApi('settings.get', {});
  const go = useNav((s) => s.go);
  const [hidden, setHidden] = useState(false);
  const skip = useAction(async () => {
    await finishSetup();
    setHidden(true);
  });
  if (hidden || !settings.data || settings.data.settings['setup.completed'] === true) return null;
  return (
    <aside className="welcome" aria-label="Welcome">
      <div>
        <strong>Welcome to Baton.</strong> Set up your data, e-mail, Claude and a first workflow in about two minutes.
      </div>
      <div className="welcome-actions">
        <button type="button" className="btn btn-primary" onClick={() => go('setup')}>
          Start setup
        </button>
        <button type="button" className="btn btn-quiet" onClick={() => void skip.run()}>
          Not now
        </button>
      </div>
    </aside>
  );
}
