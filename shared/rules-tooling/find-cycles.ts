/**
 * The cycles of a graph: its strongly connected components with more than one node, or one node with an
 * edge to itself, each sorted by position and listed by their first node. With `terminalOnly`, only the
 * components with no edge leaving them. Iterative Tarjan, linear in nodes and edges.
 */
export function findCycles(
  count: number,
  successorsOf: (i: number) => readonly number[],
  terminalOnly = false,
): number[][] {
  const index = new Array<number>(count).fill(-1);
  const low = new Array<number>(count).fill(0);
  const component = new Array<number>(count).fill(-1);
  const onStack = new Array<boolean>(count).fill(false);
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  for (let root = 0; root < count; root++) {
    if (index[root] !== -1) continue;
    const work: { node: number; edge: number }[] = [{ node: root, edge: 0 }];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (work.length > 0) {
      const frame = work[work.length - 1] as { node: number; edge: number };
      const edges = successorsOf(frame.node);
      if (frame.edge < edges.length) {
        const next = edges[frame.edge++] as number;
        if (index[next] === -1) {
          index[next] = low[next] = counter++;
          stack.push(next);
          onStack[next] = true;
          work.push({ node: next, edge: 0 });
        } else if (onStack[next] === true) {
          low[frame.node] = Math.min(low[frame.node] as number, index[next] as number);
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined)
        low[parent.node] = Math.min(low[parent.node] as number, low[frame.node] as number);
      if (low[frame.node] !== index[frame.node]) continue;
      const members: number[] = [];
      let member: number;
      do {
        member = stack.pop() as number;
        onStack[member] = false;
        component[member] = components.length;
        members.push(member);
      } while (member !== frame.node);
      components.push(members.sort((a, b) => a - b));
    }
  }
  return components
    .filter((members, id) => {
      const first = members[0] as number;
      const cyclic = members.length > 1 || successorsOf(first).includes(first);
      if (!cyclic || !terminalOnly) return cyclic;
      return members.every((m) => successorsOf(m).every((next) => component[next] === id));
    })
    .sort((a, b) => (a[0] as number) - (b[0] as number));
}
