// The plugin editor: CodeMirror 6 with Python highlighting, mounted in a shadow root as the query editor is.
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, lineNumbers, highlightActiveLine } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { python } from '@codemirror/lang-python';
import { syntaxHighlighting, bracketMatching, indentUnit } from '@codemirror/language';
import { HIGHLIGHT } from './editor.js';

// A shadow root (constructed stylesheets, no <style> element) keeps the CSP's style-src 'self' satisfied.
// Ctrl/Cmd-S saves; Tab indents (Escape then Tab leaves the editor, CodeMirror's rule for keyboard users).
export function createPythonEditor(host: HTMLElement, opts: { doc: string; label: string; onSave: () => void; onChange: () => void }): EditorView {
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
        indentUnit.of('    '),
        syntaxHighlighting(HIGHLIGHT),
        keymap.of([{ key: 'Mod-s', run: () => (opts.onSave(), true), preventDefault: true }, indentWithTab, ...defaultKeymap, ...historyKeymap]),
        EditorView.updateListener.of((u) => u.docChanged && opts.onChange()),
        EditorView.theme({ '&': { minHeight: '320px', fontSize: '13px' }, '.cm-scroller': { fontFamily: 'ui-monospace, monospace' }, '.cm-gutters': { color: '#4b5563' } }),
        EditorView.contentAttributes.of({ 'aria-label': opts.label }),
        python(),
      ],
    }),
  });
}

// Replaces the whole text (another plugin opened, or the saved version reloaded).
export function setDoc(view: EditorView, doc: string): void {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: doc } });
}
