// The plugin editor: CodeMirror 6 with Python highlighting, mounted in a shadow root as the query editor is.
import { EditorView, keymap } from '@codemirror/view';
import { defaultKeymap, historyKeymap, indentWithTab } from '@codemirror/commands';
import { python } from '@codemirror/lang-python';
import { indentUnit } from '@codemirror/language';
import { mountEditor } from './editor.js';

// Ctrl/Cmd-S saves; Tab indents (Escape then Tab leaves the editor, CodeMirror's rule for keyboard users).
export function createPythonEditor(host: HTMLElement, opts: { doc: string; label: string; onSave: () => void; onChange: () => void }): EditorView {
  return mountEditor(host, {
    doc: opts.doc,
    label: opts.label,
    minHeight: '320px',
    extensions: [
      indentUnit.of('    '),
      keymap.of([{ key: 'Mod-s', run: () => (opts.onSave(), true), preventDefault: true }, indentWithTab, ...defaultKeymap, ...historyKeymap]),
      EditorView.updateListener.of((u) => u.docChanged && opts.onChange()),
      python(),
    ],
  });
}

// Replaces the whole text (another plugin opened, or the saved version reloaded).
export function setDoc(view: EditorView, doc: string): void {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: doc } });
}
