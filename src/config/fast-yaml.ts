// A fast first attempt at parsing YAML, for large record files: js-yaml reads an 85 MB file of a
// million records in ~7 s where the `yaml` library, which keeps comments and positions for
// write-back and for error lines, takes minutes. Anything it does not take exactly as `yaml`
// would returns undefined, and the caller parses with `yaml` (which then also reports the errors
// with their lines): syntax errors, duplicate keys, several documents, and anchors or aliases
// (`yaml` bounds alias expansion; a file with none cannot hold an alias bomb).
import { CORE_SCHEMA, load } from 'js-yaml';

/**
 * ANCHOR_OR_ALIAS finds `&name` or `*name` where YAML would read an anchor or an alias: after a
 * line start, a space, or a flow indicator. A wildcard owner ("*.example.com.") is `*` followed by
 * a dot, not a name.
 */
export const ANCHOR_OR_ALIAS = /(?:^|[\s[{,])[&*][^\s.,[\]{}]/m;

/** parseYamlFast returns the plain data of text, or undefined when the `yaml` library must decide. */
export function parseYamlFast(text: string): { readonly value: unknown } | undefined {
  if (ANCHOR_OR_ALIAS.test(text)) return undefined;
  try {
    // CORE_SCHEMA is YAML 1.2's core schema, as `yaml` uses by default (no timestamps, no `<<`).
    return { value: load(text, { schema: CORE_SCHEMA }) ?? {} };
  } catch {
    return undefined; // the `yaml` parse reports it, with its line
  }
}
