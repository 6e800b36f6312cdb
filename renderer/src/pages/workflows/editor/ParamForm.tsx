/**
 * A form generated from a JSON Schema (a node's params, an event's data): one
 * widget per field from the widget map below, picked by ./paramSchema.ts. The
 * map is typed over every widget kind, so a kind without a widget does not
 * compile; a schema the mapping does not know arrives as the `unknown` widget:
 * a visible error with a JSON editor, never a dropped field. Values go out as
 * typed; the validator (the same schema) names what is wrong, under the field.
 */
import { createContext, useContext, useEffect, useId, useState, type ComponentType, type ReactNode } from 'react';
import type { Scope } from './completions';
import { ExpressionInput } from './ExpressionInput';
import {
  anyModeOf,
  convertAny,
  emptyValue,
  fieldsOf,
  getPath,
  isExpression,
  literalText,
  setPath,
  storeLiteral,
  widgetFor,
  type AnyMode,
  type ExpressionSpec,
  type FieldSpec,
  type JsonSchema,
  type Widget,
  type WidgetKind,
} from './paramSchema';

export interface FormIssue {
  path: string;
  message: string;
}

interface FormCtx {
  /** False for plain data (a test run's input): no expressions offered. */
  expressions: boolean;
  spec: ExpressionSpec;
  issues: readonly FormIssue[];
  scope: Scope | Record<string, unknown>;
  idPrefix: string;
}
const Ctx = createContext<FormCtx>({ expressions: true, spec: { raw: [], deferred: [], opaque: [] }, issues: [], scope: {}, idPrefix: 'f' });

const idFor = (prefix: string, path: string) => `${prefix}-${path.replace(/[^A-Za-z0-9_-]/g, '_') || 'root'}`;

/** The whole form: every field of `schema`, values at their paths in `value`. */
export function SchemaForm({
  schema,
  spec,
  value,
  onChange,
  issues,
  scope,
  idPrefix,
  expressions = true,
}: {
  expressions?: boolean;
  schema: JsonSchema;
  spec: ExpressionSpec;
  value: Record<string, unknown>;
  /** `path` is the field changed (undo groups typing per field). */
  onChange: (next: Record<string, unknown>, path: string) => void;
  issues: readonly FormIssue[];
  scope: Scope | Record<string, unknown>;
  idPrefix: string;
}) {
  const fields = fieldsOf(schema, spec);
  const whole = issues.filter((i) => i.path === '');
  return (
    <Ctx.Provider value={{ expressions, spec, issues, scope, idPrefix }}>
      {whole.map((i) => (
        <p key={i.message} className="field-error" role="alert">
          {i.message}
        </p>
      ))}
      {fields.length === 0 ? <p className="muted small">This node has no settings.</p> : null}
      {fields.map((f) => (
        <FieldView key={f.path} field={f} value={getPath(value, f.path)} onChange={(v) => onChange(setPath(value, f.path, v) as Record<string, unknown>, f.path)} />
      ))}
    </Ctx.Provider>
  );
}

interface WidgetProps {
  id: string;
  field: Pick<FieldSpec, 'label' | 'path' | 'required' | 'default' | 'name'>;
  widget: Widget;
  value: unknown;
  onChange: (v: unknown) => void;
  describedBy: string | undefined;
  invalid: boolean;
}

function FieldView({ field, value, onChange, plain }: { field: FieldSpec; value: unknown; onChange: (v: unknown) => void; /** An entry of a record or list: no "required" mark. */ plain?: boolean }) {
  const mark = field.required && !plain;
  const ctx = useContext(Ctx);
  const id = idFor(ctx.idPrefix, field.path);
  const mine = ctx.issues.filter((i) => i.path === field.path || i.path.startsWith(`${field.path}.`));
  const helpId = `${id}-help`;
  const canExpr = field.expression && ctx.expressions;
  const exprMode = canExpr && field.widget.kind !== 'any' && isExpression(value);
  const W = WIDGETS[field.widget.kind];
  const hint = hintOf(field);
  const grouped = field.widget.kind === 'record' || field.widget.kind === 'list' || field.widget.kind === 'object';
  return (
    <div className={`pf-field pf-kind-${field.widget.kind}`} data-field={field.path}>
      <div className="pf-label-row">
        {grouped && !exprMode ? (
          <span className="pf-label" id={`${id}-label`}>
            {field.label}
            {mark ? <span aria-hidden="true"> *</span> : null}
          </span>
        ) : (
          <label htmlFor={id}>
            {field.label}
            {mark ? <span aria-hidden="true"> *</span> : null}
            {mark ? <span className="sr-only"> (required)</span> : null}
          </label>
        )}
        {canExpr && field.widget.kind !== 'any' ? (
          <button
            type="button"
            className={`pf-expr-toggle${exprMode ? ' on' : ''}`}
            aria-pressed={exprMode}
            aria-label={`Use an expression for ${field.label}`}
            title={exprMode ? 'Expression (click for a fixed value)' : 'Fixed value (click to use an expression)'}
            onClick={() => onChange(exprMode ? (field.default !== undefined ? field.default : undefined) : `=${toExprText(value)}`)}
          >
            =
          </button>
        ) : null}
      </div>
      {exprMode ? (
        <ExpressionInput id={id} label={field.label} value={(value as string).slice(1)} onChange={(t) => onChange(`=${t}`)} scope={ctx.scope} describedBy={helpId} invalid={mine.length > 0} />
      ) : (
        <W id={id} field={field} widget={field.widget} value={value} onChange={onChange} describedBy={helpId} invalid={mine.length > 0} />
      )}
      <div id={helpId}>
        {mine.map((i) => (
          <p key={i.path + i.message} className="field-error">
            {i.path !== field.path ? <code>{i.path}</code> : null} {i.message}
          </p>
        ))}
        {!mine.length && hint ? <p className="hint">{hint}</p> : null}
      </div>
    </div>
  );
}

function toExprText(v: unknown): string {
  if (v === undefined || v === '') return '';
  if (typeof v === 'string') return JSON.stringify(literalText(v));
  return JSON.stringify(v);
}

function hintOf(f: FieldSpec): string | null {
  const parts: string[] = [];
  if (f.description) parts.push(f.description);
  if (f.widget.kind === 'duration') parts.push('Milliseconds, or a number with ms, s, m, h, d or w (e.g. 48h).');
  if (f.widget.kind === 'expression') parts.push(f.widget.deferred ? 'An expression, checked now and evaluated when it is used.' : 'An expression (JSONata), e.g. prev.score > 50.');
  if (f.default !== undefined && f.widget.kind !== 'boolean') parts.push(`Default: ${JSON.stringify(f.default)}.`);
  return parts.length ? parts.join(' ') : null;
}

// ---- the widget map ----------------------------------------------------------

function TextWidget({ id, widget, value, onChange, describedBy, invalid, field }: WidgetProps) {
  const text = typeof value === 'string' ? literalText(value) : value === undefined ? '' : JSON.stringify(value);
  const set = (t: string) => onChange(t === '' && !field.required ? undefined : storeLiteral(t));
  const props = { id, value: text, 'aria-describedby': describedBy, 'aria-invalid': invalid ? (true as const) : undefined, onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => set(e.target.value) };
  return widget.kind === 'text' && widget.multiline ? <textarea {...props} rows={3} className="pf-textarea" /> : <input {...props} type="text" />;
}

function NumberWidget({ id, widget, value, onChange, describedBy, invalid }: WidgetProps) {
  const [text, setText] = useState(value === undefined ? '' : String(value));
  useEffect(() => {
    setText((t) => (Number(t) === value || (t === '' && value === undefined) ? t : value === undefined ? '' : String(value)));
  }, [value]);
  const w = widget as Extract<Widget, { kind: 'number' }>;
  return (
    <input
      id={id}
      type="text"
      inputMode={w.integer ? 'numeric' : 'decimal'}
      value={text}
      aria-describedby={describedBy}
      aria-invalid={invalid ? true : undefined}
      onChange={(e) => {
        const t = e.target.value;
        setText(t);
        const n = Number(t.replace(',', '.'));
        // What cannot be read as a number goes out as typed: the validator names the rule.
        onChange(t.trim() === '' ? undefined : Number.isFinite(n) ? n : t);
      }}
    />
  );
}

function BooleanWidget({ id, value, onChange, describedBy, field }: WidgetProps) {
  const checked = value === undefined ? field.default === true : value === true;
  return (
    <span className="pf-check">
      <input id={id} type="checkbox" checked={checked} aria-describedby={describedBy} onChange={(e) => onChange(e.target.checked)} />
      <span className="muted small">{checked ? 'Yes' : 'No'}</span>
    </span>
  );
}

function EnumWidget({ id, widget, value, onChange, describedBy, invalid, field }: WidgetProps) {
  const options = (widget as Extract<Widget, { kind: 'enum' }>).options;
  const v = typeof value === 'string' ? value : '';
  return (
    <select id={id} value={v} aria-describedby={describedBy} aria-invalid={invalid ? true : undefined} onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}>
      {!field.required || !options.includes(v) ? <option value="">{field.default !== undefined ? `Default (${String(field.default)})` : '— choose —'}</option> : null}
      {options.map((o) => (
        <option key={o} value={o}>
          {o}
        </option>
      ))}
    </select>
  );
}

function DurationWidget({ id, value, onChange, describedBy, invalid, field }: WidgetProps) {
  const text = value === undefined ? '' : String(value);
  return (
    <input
      id={id}
      type="text"
      value={text}
      placeholder={field.default !== undefined ? String(field.default) : 'e.g. 48h'}
      aria-describedby={describedBy}
      aria-invalid={invalid ? true : undefined}
      onChange={(e) => {
        const t = e.target.value.trim();
        onChange(t === '' ? undefined : /^\d+$/.test(t) ? Number(t) : t);
      }}
    />
  );
}

function ExpressionWidget({ id, value, onChange, describedBy, invalid, field, widget }: WidgetProps) {
  const ctx = useContext(Ctx);
  const text = typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
  const deferred = (widget as Extract<Widget, { kind: 'expression' }>).deferred;
  return (
    <ExpressionInput
      id={id}
      label={field.label}
      value={text}
      onChange={(t) => onChange(t === '' && !field.required ? undefined : t)}
      scope={ctx.scope}
      describedBy={describedBy}
      invalid={invalid}
      evaluate={!deferred}
      placeholder={deferred ? 'e.g. event.data.status = "paid"' : 'e.g. prev.score > 50'}
    />
  );
}

function RecordWidget({ id, widget, value, onChange, field }: WidgetProps) {
  const ctx = useContext(Ctx);
  const schema = (widget as Extract<Widget, { kind: 'record' }>).value;
  const obj = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const entries = Object.entries(obj);
  const [pendingKey, setPendingKey] = useState('');
  const rename = (from: string, to: string) => {
    if (to === from || to === '' || to in obj) return;
    onChange(Object.fromEntries(entries.map(([k, v]) => (k === from ? [to, v] : [k, v]))));
  };
  return (
    <div className="pf-record" role="group" aria-labelledby={`${id}-label`} id={id}>
      {entries.length === 0 ? <p className="muted small">No entries yet.</p> : null}
      {entries.map(([k, v], i) => {
        const path = `${field.path}.${k}`;
        const { widget: w, expression } = widgetFor(schema, path, ctx.spec, k);
        const sub: FieldSpec = { name: k, path, label: k, required: true, widget: w, expression };
        return (
          <div className="pf-record-row" key={`${i}-${k}`}>
            <KeyInput label={`${field.label}: name of entry ${i + 1}`} value={k} onCommit={(to) => rename(k, to)} taken={(x) => x !== k && x in obj} />
            <div className="pf-record-value">
              <FieldView plain field={{ ...sub, label: `${field.label}: ${k}` }} value={v} onChange={(nv) => onChange({ ...obj, [k]: nv })} />
            </div>
            <button type="button" className="btn btn-quiet pf-remove" aria-label={`Remove ${k} from ${field.label}`} onClick={() => onChange(Object.fromEntries(entries.filter(([x]) => x !== k)))}>
              ✕
            </button>
          </div>
        );
      })}
      <div className="pf-add">
        <label className="sr-only" htmlFor={`${id}-newkey`}>
          New entry name for {field.label}
        </label>
        <input
          id={`${id}-newkey`}
          type="text"
          placeholder="name"
          value={pendingKey}
          onChange={(e) => setPendingKey(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              const k = pendingKey.trim();
              if (k && !(k in obj)) {
                onChange({ ...obj, [k]: emptyValue(schema) });
                setPendingKey('');
              }
            }
          }}
        />
        <button
          type="button"
          className="btn"
          disabled={!pendingKey.trim() || pendingKey.trim() in obj}
          onClick={() => {
            const k = pendingKey.trim();
            onChange({ ...obj, [k]: emptyValue(schema) });
            setPendingKey('');
          }}
        >
          Add to {field.label}
        </button>
      </div>
    </div>
  );
}

/** A key typed in place, committed on blur or Enter (renaming on each key would lose focus). */
function KeyInput({ label, value, onCommit, taken }: { label: string; value: string; onCommit: (v: string) => void; taken: (v: string) => boolean }) {
  const [text, setText] = useState(value);
  const id = useId();
  const bad = text.trim() === '' ? 'give a name' : taken(text.trim()) ? 'this name is used already' : null;
  return (
    <div className="pf-key">
      <label className="sr-only" htmlFor={id}>
        {label}
      </label>
      <input
        id={id}
        type="text"
        value={text}
        aria-invalid={bad ? true : undefined}
        title={bad ?? undefined}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => (bad ? setText(value) : onCommit(text.trim()))}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !bad) onCommit(text.trim());
        }}
      />
    </div>
  );
}

function ListWidget({ id, widget, value, onChange, field }: WidgetProps) {
  const ctx = useContext(Ctx);
  const item = (widget as Extract<Widget, { kind: 'list' }>).item;
  const list = Array.isArray(value) ? value : [];
  const move = (i: number, d: -1 | 1) => {
    const j = i + d;
    if (j < 0 || j >= list.length) return;
    const next = [...list];
    [next[i], next[j]] = [next[j], next[i]];
    onChange(next);
  };
  return (
    <div className="pf-list" role="group" aria-labelledby={`${id}-label`} id={id}>
      {list.length === 0 ? <p className="muted small">No items yet.</p> : null}
      {list.map((v, i) => {
        const path = `${field.path}.${i}`;
        const isObject = (item.type === 'object' && item.properties) as boolean;
        const { widget: w, expression } = widgetFor(item, path, ctx.spec, field.name);
        return (
          <div className="pf-list-item" key={i}>
            <div className="pf-list-body">
              {isObject ? (
                <fieldset className="pf-object">
                  <legend>
                    {field.label} {i + 1}
                  </legend>
                  {fieldsOf(item, ctx.spec, path).map((f) => (
                    <FieldView key={f.path} field={f} value={getPath(v, f.name)} onChange={(nv) => onChange(list.map((x, j) => (j === i ? setPath(x ?? {}, f.name, nv) : x)))} />
                  ))}
                </fieldset>
              ) : (
                <FieldView plain field={{ name: String(i), path, label: `${field.label} ${i + 1}`, required: true, widget: w, expression }} value={v} onChange={(nv) => onChange(list.map((x, j) => (j === i ? nv : x)))} />
              )}
            </div>
            <div className="pf-list-actions">
              <button type="button" className="btn btn-quiet" aria-label={`Move ${field.label} ${i + 1} up`} disabled={i === 0} onClick={() => move(i, -1)}>
                ↑
              </button>
              <button type="button" className="btn btn-quiet" aria-label={`Move ${field.label} ${i + 1} down`} disabled={i === list.length - 1} onClick={() => move(i, 1)}>
                ↓
              </button>
              <button type="button" className="btn btn-quiet" aria-label={`Remove ${field.label} ${i + 1}`} onClick={() => onChange(list.filter((_, j) => j !== i))}>
                ✕
              </button>
            </div>
          </div>
        );
      })}
      <button type="button" className="btn" onClick={() => onChange([...list, emptyValue(item)])}>
        Add to {field.label}
      </button>
    </div>
  );
}

function ObjectWidget({ id, widget, value, onChange, field }: WidgetProps) {
  const ctx = useContext(Ctx);
  const schema = (widget as Extract<Widget, { kind: 'object' }>).schema;
  const obj = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  if (obj === undefined && !field.required) {
    return (
      <div id={id}>
        <button type="button" className="btn" onClick={() => onChange(emptyValue(schema))}>
          Set {field.label}
        </button>
      </div>
    );
  }
  return (
    <fieldset className="pf-object" id={id}>
      <legend className="sr-only">{field.label}</legend>
      {fieldsOf(schema, ctx.spec, field.path).map((f) => (
        <FieldView key={f.path} field={f} value={getPath(obj, f.name)} onChange={(nv) => onChange(setPath(obj ?? {}, f.name, nv))} />
      ))}
      {!field.required ? (
        <button type="button" className="btn btn-quiet" onClick={() => onChange(undefined)}>
          Remove {field.label}
        </button>
      ) : null}
    </fieldset>
  );
}

const ANY_MODES: { mode: AnyMode; label: string }[] = [
  { mode: 'text', label: 'Text' },
  { mode: 'number', label: 'Number' },
  { mode: 'boolean', label: 'Yes / no' },
  { mode: 'expression', label: 'Expression' },
  { mode: 'json', label: 'JSON' },
];

function AnyWidget(p: WidgetProps) {
  const ctx = useContext(Ctx);
  const mode = anyModeOf(p.value);
  return (
    <div className="pf-any">
      <label className="sr-only" htmlFor={`${p.id}-mode`}>
        Kind of value for {p.field.label}
      </label>
      <select id={`${p.id}-mode`} className="pf-any-mode" value={mode} onChange={(e) => p.onChange(convertAny(p.value, e.target.value as AnyMode))}>
        {ANY_MODES.filter((m) => ctx.expressions || m.mode !== 'expression' || mode === 'expression').map((m) => (
          <option key={m.mode} value={m.mode}>
            {m.label}
          </option>
        ))}
      </select>
      <div className="pf-any-value">
        {mode === 'expression' ? (
          <ExpressionInput id={p.id} label={p.field.label} value={(p.value as string).slice(1)} onChange={(t) => p.onChange(`=${t}`)} scope={ctx.scope} describedBy={p.describedBy} invalid={p.invalid} />
        ) : mode === 'number' ? (
          <NumberWidget {...p} widget={{ kind: 'number', integer: false }} />
        ) : mode === 'boolean' ? (
          <BooleanWidget {...p} />
        ) : mode === 'json' ? (
          <JsonWidget {...p} widget={{ kind: 'json', reason: '' }} />
        ) : (
          <TextWidget {...p} widget={{ kind: 'text', multiline: false }} />
        )}
      </div>
    </div>
  );
}

function JsonWidget({ id, value, onChange, describedBy, invalid }: WidgetProps) {
  const [text, setText] = useState(() => (value === undefined ? '' : JSON.stringify(value, null, 2)));
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    setText((t) => {
      try {
        if (t.trim() !== '' && JSON.stringify(JSON.parse(t)) === JSON.stringify(value)) return t;
      } catch {
        /* being typed */
      }
      return value === undefined ? '' : JSON.stringify(value, null, 2);
    });
  }, [value]);
  return (
    <>
      <textarea
        id={id}
        className="code-input pf-json"
        rows={Math.min(10, Math.max(3, text.split('\n').length))}
        spellCheck={false}
        value={text}
        aria-describedby={describedBy}
        aria-invalid={invalid || problem ? true : undefined}
        onChange={(e) => {
          const t = e.target.value;
          setText(t);
          if (t.trim() === '') {
            setProblem(null);
            onChange(undefined);
            return;
          }
          try {
            const v = JSON.parse(t) as unknown;
            setProblem(null);
            onChange(v);
          } catch (err) {
            setProblem(`Not valid JSON yet: ${(err as Error).message}`);
          }
        }}
      />
      {problem ? <p className="field-error">{problem}</p> : null}
    </>
  );
}

function JsonFallbackWidget(p: WidgetProps) {
  const reason = (p.widget as Extract<Widget, { kind: 'json' }>).reason;
  return (
    <>
      <p className="hint">Edited as JSON{reason ? ` (${reason})` : ''}.</p>
      <JsonWidget {...p} />
    </>
  );
}

function UnknownWidget(p: WidgetProps) {
  const detail = (p.widget as Extract<Widget, { kind: 'unknown' }>).detail;
  return (
    <>
      <p className="field-error" role="alert" data-testid="unknown-widget">
        The editor has no form control for this field ({detail}); edit it as JSON.
      </p>
      <JsonWidget {...p} />
    </>
  );
}

/** Every widget kind has its component: a new kind without one is a type error here. */
const WIDGETS: Record<WidgetKind, ComponentType<WidgetProps>> = {
  text: TextWidget,
  number: NumberWidget,
  boolean: BooleanWidget,
  enum: EnumWidget,
  duration: DurationWidget,
  expression: ExpressionWidget,
  record: RecordWidget,
  list: ListWidget,
  object: ObjectWidget,
  any: AnyWidget,
  json: JsonFallbackWidget,
  unknown: UnknownWidget,
};

export function FormSection({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="pf-section">
      <h3>{title}</h3>
      {children}
    </section>
  );
}
