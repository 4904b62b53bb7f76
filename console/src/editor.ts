// The query editor: CodeMirror 6 with SQL highlighting, table and column completion, Ctrl-Enter to run.
import { Compartment, EditorState } from '@codemirror/state';
import { EditorView, keymap, lineNumbers, highlightActiveLine, placeholder } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { sql, PostgreSQL } from '@codemirror/lang-sql';
import { syntaxHighlighting, defaultHighlightStyle, bracketMatching } from '@codemirror/language';
import { autocompletion, closeBrackets } from '@codemirror/autocomplete';
import type { ColumnInfo } from './api.js';

// The SQL language with the current schema, swapped when the database changes.
const sqlLanguage = new Compartment();

export function createEditor(parent: HTMLElement, opts: { doc: string; onRun: () => void; label: string }): EditorView {
  return new EditorView({
    parent,
    state: EditorState.create({
      doc: opts.doc,
      extensions: [
        lineNumbers(),
        history(),
        highlightActiveLine(),
        bracketMatching(),
        closeBrackets(),
        autocompletion(),
        syntaxHighlighting(defaultHighlightStyle),
        placeholder('SELECT * FROM table LIMIT 10'),
        keymap.of([{ key: 'Mod-Enter', run: () => (opts.onRun(), true), preventDefault: true }, ...defaultKeymap, ...historyKeymap]),
        EditorView.contentAttributes.of({ 'aria-label': opts.label }),
        sqlLanguage.of(sql({ dialect: PostgreSQL })),
      ],
    }),
  });
}


// Completion of the current database's tables and columns.
export function setSchema(view: EditorView, tables: Map<string, ColumnInfo[]>): void {
  const schema: Record<string, string[]> = {};
  for (const [t, cols] of tables) schema[t] = cols.map((c) => c.name);
  view.dispatch({ effects: sqlLanguage.reconfigure(sql({ dialect: PostgreSQL, schema, upperCaseKeywords: true })) });
}
