/**
 * Where a finding is in a hand-written YAML or JSON file: the rules CLI and the simulator's scenario files
 * print `file:line` beside each path.
 */
import { type Document, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';

/**
 * Finds the line of a dotted path (`flows.main.nodes.menu.keys.1`) in the text of a YAML or JSON file (a rules document, a scenario file), or of
 * its nearest ancestor that is written (a missing key is reported where its object is). JSON is read with
 * the YAML parser too, as it is YAML's flow style; where that fails there are no line numbers.
 */
export function createYamlLocator(text: string): (path: string) => number | undefined {
  // Parsed again only when there is something to place: a clean large document costs nothing more.
  let parsed: { document: Document; lineCounter: LineCounter } | null | undefined;
  return (path) => {
    if (parsed === undefined) {
      const lineCounter = new LineCounter();
      const document = parseDocument(text, { lineCounter });
      parsed = document.errors.length > 0 ? null : { document, lineCounter };
    }
    if (parsed === null) return undefined;
    const { document, lineCounter } = parsed;
    let node: unknown = document.contents;
    let offset: number | undefined;
    for (const segment of path.split('.')) {
      if (isMap(node)) {
        // Keys are compared as text: YAML reads `1: info` with a number key, JSON.parse with "1".
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === segment);
        if (pair === undefined || !isScalar(pair.key)) break;
        offset = pair.key.range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && /^\d+$/.test(segment)) {
        const item: unknown = node.items[Number(segment)];
        if (item === undefined) break;
        offset = (item as { range?: [number, number, number] | null }).range?.[0] ?? offset;
        node = item;
      } else break;
    }
    return offset === undefined ? undefined : lineCounter.linePos(offset).line;
  };
}
