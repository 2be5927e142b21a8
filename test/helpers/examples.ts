/**
 * The bundled breast-cancer example ends with a deploy.register node (it registers the model on
 * every run that passes its gate). Tests and benches about something else — gc plans, a fully
 * cached re-run — leave it out with this.
 */
export function withoutRegister(text: string): string {
  const out = text.replace(/\n {2}register:\n(?: {4}.*\n)+/, '\n');
  if (out === text) throw new Error('the example has no register node to leave out');
  return out;
}
