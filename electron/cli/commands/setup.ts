/** `baton templates list|install` and `baton settings get|set|keys`: first-run steps from a terminal. */
import { InvalidArgumentError, type Command } from 'commander';
import { ApiError, INTERNAL_SETTINGS, KNOWN_SETTING_KEYS, SETTINGS, isKnownSetting, knownSetting, unknownSettingMessage } from '../../../shared/api';
import { print, withCore } from '../context';

function jsonOrText(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

export function register(program: Command): void {
  const t = program.command('templates').description('Example workflows shipped with Baton: list, install.');
  t.command('list')
    .description('The templates, what each does, whether it is installed, and what it still needs (ready or waits).')
    .action(async (_o: unknown, cmd: Command) => {
      const r = await withCore(cmd, (core) => core.call('templates.list', {}));
      print(cmd, r, () =>
        r.templates
          .map((x) => {
            const waits = x.requirements.filter((q) => !q.met);
            const lines = [`${x.installed ? '*' : ' '} ${x.id.padEnd(24)} ${(x.ready ? 'ready' : 'waits').padEnd(6)} ${x.trigger.padEnd(28)} ${x.name}`, `    ${x.when}. ${x.then}`];
            for (const q of waits) lines.push(`    needs ${q.label}: ${q.fix}`);
            if (x.overlaps.length) lines.push(`    also on this trigger: ${x.overlaps.join(', ')}`);
            return lines.join('\n');
          })
          .join('\n'),
      );
    });
  t.command('install')
    .description('Import templates as workflows with the sequences, forms and segments they bring (all or nothing); --enable only when every requirement is met.')
    .argument('<ids...>', 'template ids (see templates list)')
    .option('--enable', 'enable them at once')
    .action(async (ids: string[], o: { enable?: boolean }, cmd: Command) => {
      const r = await withCore(cmd, (core) => core.call('templates.install', { ids, enable: o.enable === true }));
      print(cmd, r, () =>
        [
          ...r.installed.map((i) => `Installed ${i.id} (version ${i.version}${i.enabled ? ', enabled' : ', disabled'}).`),
          ...(r.brought.sequences.length ? [`Created the sequence(s) ${r.brought.sequences.join(', ')}.`] : []),
          ...(r.brought.forms.length ? [`Created the form(s) ${r.brought.forms.join(', ')}.`] : []),
          ...(r.brought.segments.length ? [`Created the segment(s) ${r.brought.segments.join(', ')}.`] : []),
        ].join('\n'),
      );
    });

  const s = program.command('settings').description('Non-secret settings (secrets: baton secrets).');
  s.command('get')
    .description('All settings, or one.')
    .argument('[key]', 'a setting key such as email.smtp.host')
    .action(async (key: string | undefined, _o: unknown, cmd: Command) => {
      // A mistyped key would print null as if it were merely unset.
      if (key !== undefined && !isKnownSetting(key)) throw new ApiError('invalid_input', unknownSettingMessage(key), [{ path: 'key', message: 'not a setting' }]);
      const r = await withCore(cmd, (core) => core.call('settings.get', {}));
      const out = key ? { [key]: r.settings[key] ?? null } : r.settings;
      print(cmd, out, () => Object.entries(out).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join('\n') || 'No settings stored (defaults apply).');
    });
  s.command('set')
    .description(`Set a setting (the value is JSON, or text). Keys: ${Object.keys(SETTINGS).join(', ')}; more with \`baton settings keys\`.`)
    .argument('<key>', 'e.g. email.smtp.port')
    .argument('<value>', 'e.g. 587, true, "text", null to clear')
    .action(async (key: string, value: string, _o: unknown, cmd: Command) => {
      if (value === undefined) throw new InvalidArgumentError('give a value');
      await withCore(cmd, (core) => core.call('settings.set', { key, value: jsonOrText(value) }));
      print(cmd, { ok: true }, () => `Set ${key}.`);
    });
  s.command('keys')
    .description('Every setting key Baton knows, with what it does and its default.')
    .action((_o: unknown, cmd: Command) => {
      const rows = KNOWN_SETTING_KEYS.map((key) => {
        const d = knownSetting(key)!;
        return { key, label: d.label, default: d.defaultValue ?? null, shownInSettings: !(key in INTERNAL_SETTINGS) };
      });
      print(cmd, rows, () => rows.map((r) => `${r.key.padEnd(34)} ${r.label}${r.default !== null ? ` (default ${JSON.stringify(r.default)})` : ''}`).join('\n'));
    });
}
