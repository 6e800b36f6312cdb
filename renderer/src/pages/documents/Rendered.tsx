/** A document shown safely (Markdown and HTML rebuilt from an allow-list, nothing runs or loads), and the Markdown editor with its preview. */
import { useEffect, useId, useRef, type KeyboardEvent } from 'react';
import { Markdown, SafeHtml } from '../approvals/SafeHtml';
import { PROMPT_CHARS, formatOf } from './model';

export function Rendered({ path, content }: { path: string; content: string }) {
  if (content.trim() === '') return <p className="muted docs-blank">This document is empty.</p>;
  const format = formatOf(path);
  if (format === 'markdown') return <Markdown text={content} />;
  if (format === 'html') return <SafeHtml html={content} />;
  return <pre className="docs-plain">{content}</pre>;
}

export function MarkdownEditor({
  path,
  text,
  onChange,
  onSave,
  onEscape,
  invalid,
  autoFocus,
}: {
  path: string;
  text: string;
  onChange: (text: string) => void;
  onSave?: () => void;
  onEscape?: () => void;
  invalid?: boolean;
  /** Put the caret in the text when the editor opens. */
  autoFocus?: boolean;
}) {
  const ids = { area: useId(), count: useId(), preview: useId() };
  const areaRef = useRef<HTMLTextAreaElement>(null);
  const focusOnOpen = useRef(autoFocus);
  useEffect(() => {
    if (focusOnOpen.current) areaRef.current?.focus();
  }, []);
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's' && onSave) {
      e.preventDefault();
      onSave();
    } else if (e.key === 'Escape' && onEscape) {
      e.preventDefault();
      onEscape();
    }
  };
  const long = text.length > PROMPT_CHARS && /^brand\//.test(path);
  return (
    <div className="docs-editor">
      <div className="docs-editor-pane">
        <label htmlFor={ids.area}>Markdown</label>
        <textarea
          id={ids.area}
          ref={areaRef}
          className="docs-textarea"
          value={text}
          spellCheck
          aria-describedby={ids.count}
          aria-invalid={invalid ? true : undefined}
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={onKey}
        />
        <p id={ids.count} className={long ? 'hint docs-long' : 'hint'}>
          {text.length.toLocaleString()} characters
          {long ? ` — only the first ${PROMPT_CHARS.toLocaleString()} go into AI prompts` : ''}
          {onSave ? `. Ctrl+S saves${onEscape ? ', Esc cancels' : ''}.` : ''}
        </p>
      </div>
      <div className="docs-editor-pane">
        <span className="docs-label" id={ids.preview}>
          Preview
        </span>
        <div className="docs-preview" role="region" aria-labelledby={ids.preview} data-testid="doc-preview">
          <Rendered path={path} content={text} />
        </div>
      </div>
    </div>
  );
}
