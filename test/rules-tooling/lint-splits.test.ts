/** What compiling refuses of a split, the linter's split checks, and how the graph draws a split's shares. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileRules } from '../../shared/rules/compile-rules';
import { drawRules } from '../../shared/rules-tooling/draw-rules';
import { lintRules } from '../../shared/rules-tooling/lint-rules';

/** A flow whose start is a split with these branches, over two goodbyes `a` and `b`. */
function splitting(branches: unknown) {
  return {
    version: 'v1',
    defaultLine: { flow: 'main' },
    flows: {
      main: {
        start: 'greeting',
        nodes: {
          greeting: { type: 'split', branches },
          a: { type: 'hangup', say: '再见。' },
          b: { type: 'hangup', say: '再会。' },
        },
      },
    },
  };
}

describe('lint: split', () => {
  it('passes a split of 90:10 over two nodes without a finding', () => {
    const result = lintRules(
      splitting([
        { name: 'classic', weight: 90, goto: 'a' },
        { name: 'short', weight: 10, goto: 'b' },
      ]),
    );
    assert.deepEqual([...result.errors, ...result.warnings], []);
  });

  it('warns of a split whose branches all go to one node', () => {
    const result = lintRules(
      splitting([
        { weight: 1, goto: 'a' },
        { weight: 1, goto: 'a' },
      ]),
    );
    assert.deepEqual(result.errors, []);
    assert.deepEqual(
      result.warnings.map((warning) => warning.path),
      ['flows.main.nodes.greeting.branches', 'flows.main.nodes.b'],
    );
    assert.match(
      result.warnings[0]?.message ?? '',
      /every branch of this split goes to a, so every call goes there/,
    );
  });

  it('warns of a share under 1 in 100, in words, and not of one at 1 %', () => {
    const result = lintRules(
      splitting([
        { name: 'rare', weight: 1, goto: 'a' },
        { weight: 199, goto: 'b' },
      ]),
    );
    assert.deepEqual(result.warnings, [
      {
        path: 'flows.main.nodes.greeting.branches.0.weight',
        message:
          'branch rare gets 0.5% of calls (weight 1 of 200), fewer than 1 call in 100, so few calls will ever hear it; raise its weight if that is not meant',
      },
    ]);
    const one = lintRules(
      splitting([
        { weight: 1, goto: 'a' },
        { weight: 99, goto: 'b' },
      ]),
    );
    assert.deepEqual(one.warnings, []);
  });
});

describe('draw: split', () => {
  it("labels each edge with the branch's name (or index) and share", () => {
    const compiled = compileRules(
      splitting([
        { name: 'classic', weight: 2, goto: 'a' },
        { weight: 1, goto: 'b' },
      ]),
    );
    assert.ok(compiled.ok);
    const drawn = drawRules(compiled.compiled);
    assert.match(drawn, /F0_N0\{\{"▶ greeting<br\/>split by call"\}\}/);
    assert.match(drawn, /F0_N0 -->\|"classic 66\.7%"\| F0_N1/);
    assert.match(drawn, /F0_N0 -->\|"1 33\.3%"\| F0_N2/);
  });
});

describe('split: compiling', () => {
  const issuesOf = (branches: unknown) => {
    const result = compileRules(splitting(branches));
    return result.ok ? [] : result.issues;
  };

  it('refuses two branches of one name, naming the second', () => {
    assert.deepEqual(
      issuesOf([
        { name: 'try', weight: 1, goto: 'a' },
        { name: 'try', weight: 1, goto: 'b' },
      ]),
      [
        {
          path: 'flows.main.nodes.greeting.branches.1.name',
          message: 'branches.0 is named try already: give each branch of a split its own name',
        },
      ],
    );
  });

  it('refuses a branch to no node, one branch, eleven, and weights outside 1–1000', () => {
    const paths = (branches: unknown) => issuesOf(branches).map((issue) => issue.path);
    assert.deepEqual(
      paths([
        { weight: 1, goto: 'a' },
        { weight: 1, goto: 'c' },
      ]),
      ['flows.main.nodes.greeting.branches.1.goto'],
    );
    assert.ok(
      issuesOf([{ weight: 1, goto: 'a' }]).some((issue) => /at least 2 branches/.test(issue.message)),
    );
    const eleven = Array.from({ length: 11 }, () => ({ weight: 1, goto: 'a' }));
    assert.ok(issuesOf(eleven).some((issue) => /at most 10 branches/.test(issue.message)));
    assert.ok(
      paths([
        { weight: 0, goto: 'a' },
        { weight: 1, goto: 'b' },
      ]).includes('flows.main.nodes.greeting.branches.0.weight'),
    );
    assert.ok(
      paths([
        { weight: 1001, goto: 'a' },
        { weight: 1, goto: 'b' },
      ]).includes('flows.main.nodes.greeting.branches.0.weight'),
    );
    assert.deepEqual(
      issuesOf([
        { weight: 1000, goto: 'a' },
        { weight: 1, goto: 'b' },
      ]),
      [],
    );
  });
});
