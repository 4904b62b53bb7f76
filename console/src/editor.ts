// The query editor: CodeMirror 6 with SQL highlighting, table and column completion, Ctrl-Enter to run.
import { Compartment, EditorState, type Extension } from '@codemirror/state';
import { EditorView, keymap, lineNumbers, highlightActiveLine, placeholder } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { sql, PostgreSQL } from '@codemirror/lang-sql';
import { syntaxHighlighting, HighlightStyle, bracketMatching } from '@codemirror/language';
import { tags as t } from '@lezer/highlight';
import { autocompletion, closeBrackets, completeFromList } from '@codemirror/autocomplete';
import type { ColumnInfo } from './api.js';

// Colours with at least 4.5:1 contrast on white (WCAG AA), unlike CodeMirror's default style.
const HIGHLIGHT = HighlightStyle.define([
  { tag: t.keyword, color: '#6d28d9', fontWeight: '600' },
  { tag: [t.string, t.special(t.string)], color: '#9f1239' },
  { tag: [t.number, t.bool, t.null], color: '#065f46' },
  { tag: [t.comment, t.lineComment, t.blockComment], color: '#57534e', fontStyle: 'italic' },
  { tag: [t.operator, t.punctuation], color: '#374151' },
  { tag: [t.typeName, t.standard(t.name)], color: '#1e40af' },
  { tag: [t.propertyName, t.special(t.name)], color: '#155e75' },
  { tag: t.invalid, color: '#991b1b' },
]);

// The SQL language with the current schema, swapped when the database changes.
const sqlLanguage = new Compartment();

// The editor lives in a shadow root: CodeMirror then styles it with constructed stylesheets (adoptedStyleSheets)
// instead of a <style> element, which the console's Content-Security-Policy (style-src 'self') would block.
// The query editor and the plugin editor share this and the extensions every editor has.
export function mountEditor(host: HTMLElement, opts: { doc: string; label: string; minHeight: string; extensions: Extension[] }): EditorView {
  const root = host.shadowRoot ?? host.attachShadow({ mode: 'open' });
  return new EditorView({
    parent: root,
    root,
    state: EditorState.create({
      doc: opts.doc,
      extensions: [
        lineNumbers(),
        history(),
        highlightActiveLine(),
        bracketMatching(),
        syntaxHighlighting(HIGHLIGHT),
        EditorView.theme({ '&': { minHeight: opts.minHeight, fontSize: '13px' }, '.cm-scroller': { fontFamily: 'ui-monospace, monospace' }, '.cm-placeholder': { color: '#4b5563' }, '.cm-gutters': { color: '#4b5563' } }),
        EditorView.contentAttributes.of({ 'aria-label': opts.label }),
        ...opts.extensions,
      ],
    }),
  });
}

export function createEditor(host: HTMLElement, opts: { doc: string; onRun: () => void; label: string }): EditorView {
  return mountEditor(host, {
    doc: opts.doc,
    label: opts.label,
    minHeight: '120px',
    extensions: [
      closeBrackets(),
      autocompletion(),
      placeholder('SELECT * FROM table LIMIT 10'),
      keymap.of([{ key: 'Mod-Enter', run: () => (opts.onRun(), true), preventDefault: true }, ...defaultKeymap, ...historyKeymap]),
      sqlLanguage.of(sql({ dialect: PostgreSQL })),
    ],
  });
}

// Completion of the current database's tables and columns.
export function setSchema(view: EditorView, tables: Map<string, ColumnInfo[]>): void {
  const schema: Record<string, string[]> = {};
  for (const [t, cols] of tables) schema[t] = cols.map((c) => c.name);
  const lang = sql({ dialect: PostgreSQL, schema, upperCaseKeywords: true });
  // lang-sql completes `table.column`; bare column names (SELECT te…) come from this list, with their table.
  const columns = [...tables].flatMap(([table, cols]) => cols.map((c) => ({ label: c.name, type: 'property', detail: `${c.kind} in ${table}` })));
  const unique = [...new Map(columns.map((c) => [c.label, c])).values()];
  view.dispatch({ effects: sqlLanguage.reconfigure([lang, lang.language.data.of({ autocomplete: completeFromList(unique) })]) });
}
