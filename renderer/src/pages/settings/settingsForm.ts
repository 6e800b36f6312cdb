/**
 * The settings forms' logic, DOM-free: what a typed string means for a key, and
 * the problem with it, using the same zod rule the core applies (shared/contract/settings.ts).
 */
import { SETTINGS, settingProblem, type SettingKey } from '../../../../shared/api';

/**
 * `list`: several values typed in one box, separated by commas, spaces or lines (stored as an array).
 * `json`: a structured value (an object or a list of objects) typed as JSON.
 */
export type FieldKind = 'text' | 'number' | 'bool' | 'select' | 'list' | 'json';

/** Not JSON: what the box holds stays a string, and draftProblem says so. */
const NOT_JSON = Symbol('not JSON');

/** A form value as typed: strings for inputs, booleans for checkboxes. */
export type Draft = string | boolean;

/** The stored value for what the person typed: '' clears the setting (null). */
export function parseDraft(kind: FieldKind, draft: Draft): unknown {
  if (kind === 'bool') return draft === true;
  const s = String(draft).trim();
  if (s === '') return null;
  if (kind === 'list') return s.split(/[\s,]+/).filter(Boolean);
  if (kind === 'json') {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      return NOT_JSON;
    }
  }
  if (kind === 'number') {
    const n = Number(s);
    return Number.isFinite(n) ? n : s;
  }
  return s;
}

/** What the input shows for a stored value. */
export function draftOf(kind: FieldKind, value: unknown): Draft {
  if (kind === 'bool') return value === true;
  if (value === undefined || value === null) return '';
  if (kind === 'json') return JSON.stringify(value);
  if (Array.isArray(value)) return value.map(String).join(', ');
  return String(value);
}

/** The problem with a typed value, or null; a number field with letters says so in words. */
export function draftProblem(key: SettingKey, kind: FieldKind, draft: Draft): string | null {
  const value = parseDraft(kind, draft);
  if (kind === 'number' && typeof value === 'string') return 'use a number';
  if (value === NOT_JSON) return 'use JSON (check the quotes, commas and brackets)';
  return settingProblem(key, value);
}

/** The value a field falls back to while unset, for the placeholder. */
export function placeholderOf(key: SettingKey): string {
  const d = (SETTINGS[key] as { defaultValue?: unknown }).defaultValue;
  return d === undefined || d === null || typeof d === 'boolean' || Array.isArray(d) ? '' : String(d);
}

/**
 * The options of a setting's select, from its metadata (shared/contract/settings.ts): a setting
 * that may be unset first offers "Default (…)" (the empty value, which clears it).
 */
export function selectOptions(key: SettingKey): { value: string; label: string }[] {
  const def = SETTINGS[key] as { options?: readonly { value: string; label: string }[]; defaultValue?: unknown };
  const options = def.options ?? [];
  const clearable = settingProblem(key, null) === null;
  return clearable ? [{ value: '', label: def.defaultValue === undefined || def.defaultValue === null ? 'Default' : `Default (${String(def.defaultValue)})` }, ...options] : [...options];
}
