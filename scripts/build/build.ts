/**
 * Bundles each `functions/<name>/index.ts` into `dist/<name>/index.js` (CommonJS, node20, minified,
 * with a source map): the folder `s deploy` uploads, with the handler `index.handler`. Commands that
 * run the bundles (start, simulate, fuzz) call {@link buildBundles} themselves, after reading their
 * command line.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';
import {
  type CommandIo,
  EXIT,
  PROCESS_IO,
  type ProgramSpec,
  readCommandLine,
  refuseUsage,
  runWhenMain,
} from '../../dev/command-line';
import { compileToCheckedJson, readFile } from '../rules/rules-files';
import { holidayDataPlugin } from './esbuild-holiday-data';

const root = resolve(import.meta.dirname, '../..');

export const PROGRAM = {
  name: 'build',
  summary:
    'Bundles each functions/<name>/index.ts into dist/<name>/index.js with esbuild (the folder s deploy uploads), with server.js beside it for the custom runtime, and prints the sizes.',
  single: true,
  options: {
    quiet: { type: 'boolean', help: 'print nothing (the tests build this way)' },
    'holidays-from': {
      type: 'string',
      value: 'YEAR',
      help: "keep the packaged holiday years from YEAR on (default: last year); the tests fix it so the bundles' knowledge does not depend on the day",
    },
    rules: {
      type: 'string',
      value: 'FILE',
      help: "compile this rules document (YAML or JSON) into each function's folder as rules.json, for RULES_FILE=/code/rules.json; default: the RULES_BUNDLE variable, if set",
    },
  },
  commands: {
    build: {
      summary: 'bundle the functions',
      positionals: [0, 0],
      options: ['quiet', 'holidays-from', 'rules'],
      example: '--holidays-from 2025',
    },
  },
} as const satisfies ProgramSpec;

/** The custom runtime's server (functions/custom-runtime), built as `server.js` into every function's folder. */
const CUSTOM_RUNTIME_SOURCE = join(root, 'functions', 'custom-runtime', 'main.ts');

const WORDING_SOURCE = join(root, 'shared', 'schema', 'word-issues.ts');

/**
 * shared/schema/document-issues.ts requires the wording of a document's mistakes only when a document
 * has one: in the bundles that require stays a require, of the side file `word-issues.js` beside them,
 * so a function whose rules are valid never loads its 5 KB.
 */
const SIDE_FILE_WORDING: Plugin = {
  name: 'side-file-wording',
  setup(build) {
    build.onResolve({ filter: /^\.\/word-issues$/ }, (args) =>
      args.kind === 'require-call' && join(args.resolveDir, 'word-issues.ts') === WORDING_SOURCE
        ? { path: './word-issues.js', external: true }
        : undefined,
    );
  },
};

/** How to build: silently, and from which year the packaged holiday years are kept. */
export interface BuildOptions {
  readonly quiet?: boolean;
  readonly holidaysFrom?: number;
  /** A rules document compiled by `rules compile` (checked mark included), written beside each bundle. */
  readonly rulesJson?: string;
  readonly io?: CommandIo;
}

export function main(argv: readonly string[], io: CommandIo = PROCESS_IO): Promise<number> | number {
  const read = readCommandLine(PROGRAM, argv, io);
  if (!read.run) return read.code;
  const { quiet, 'holidays-from': from } = read.line.values;
  if (from !== undefined && !/^\d{4}$/.test(from)) {
    return refuseUsage(io, PROGRAM, 'build', `--holidays-from takes a year, such as 2025; not ${from}`);
  }
  const rulesFile = read.line.values.rules ?? (process.env.RULES_BUNDLE || undefined);
  // The document is checked before anything is built: a bad one leaves dist/ as it was.
  const rulesJson = rulesFile === undefined ? undefined : compileBundledRules(rulesFile);
  if (typeof rulesJson === 'object') {
    io.err(`build: ${rulesJson.refused}\n`);
    return EXIT.failed;
  }
  return buildBundles({
    quiet: quiet === true,
    ...(from === undefined ? {} : { holidaysFrom: Number(from) }),
    ...(rulesJson === undefined ? {} : { rulesJson }),
    io,
  }).then(() => EXIT.ok);
}

/**
 * A rules document compiled (with its checked mark) for the functions' folders, or why it cannot be: the
 * file missing, unreadable, or not a valid document.
 */
function compileBundledRules(file: string): string | { readonly refused: string } {
  const read = readFile(file);
  if (!read.ok)
    return {
      refused: `${file}: ${read.issues[0]?.message ?? 'cannot be read'} (npm run rules -- check ${file})`,
    };
  const json = compileToCheckedJson(read.document);
  return json === undefined
    ? { refused: `${file} is not a valid rules document: npm run rules -- check ${file} says why` }
    : json;
}

/** The function names: every folder under `functions/` with an `index.ts`. */
export function findFunctionNames(): string[] {
  const dir = join(root, 'functions');
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name, 'index.ts'), { throwIfNoEntry: false })?.isFile() === true)
    .sort();
}

function readBuildVersion(): string {
  const date = new Date().toISOString().slice(0, 10);
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
    return `${sha}-${date}`;
  } catch {
    return `nogit-${date}`;
  }
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1).padStart(6)} KB`;

/** What each dependency adds to a bundle, so the cost of a library stays visible. */
function describeShares(metafile: Metafile): string {
  const shares = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [file, input] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? 'own code';
      shares.set(pkg, (shares.get(pkg) ?? 0) + input.bytesInOutput);
    }
  }
  return [...shares].map(([pkg, bytes]) => `${pkg} ${kb(bytes).trim()}`).join(', ');
}

function readsRules(metafile: Metafile): boolean {
  return Object.values(metafile.outputs).some((output) =>
    Object.keys(output.inputs).some((file) => file.endsWith('shared/rules/load-rules.ts')),
  );
}

/** Builds every function into dist/, printing the sizes on `io` unless quiet. */
export async function buildBundles({
  quiet = false,
  holidaysFrom,
  rulesJson,
  io = PROCESS_IO,
}: BuildOptions = {}): Promise<void> {
  const names = findFunctionNames();
  const version = readBuildVersion();
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  const rows: string[] = [];
  const holidayYears = new Map<string, { readonly years: readonly number[]; readonly version: string }>();
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    // Chinese prompts as UTF-8 (3 bytes a character) rather than \uXXXX escapes (6 bytes).
    charset: 'utf8',
    // Node 20 has these: said outright, esbuild drops valibot's unused emoji pattern (440 bytes).
    supported: { 'regexp-unicode-property-escapes': true },
    logLevel: 'warning',
    metafile: true,
  } as const;
  for (const name of names) {
    const outfile = join(root, 'dist', name, 'index.js');
    const result = await build({
      ...common,
      entryPoints: [join(root, 'functions', name, 'index.ts')],
      outfile,
      define: { __BUILD_VERSION__: JSON.stringify(version) },
      // The holiday table from last year on, dates only: 2 KB instead of 45 KB in every bundle.
      plugins: [
        holidayDataPlugin({
          onYears: (kept) => holidayYears.set(name, kept),
          ...(holidaysFrom === undefined ? {} : { fromYear: holidaysFrom }),
        }),
        SIDE_FILE_WORDING,
      ],
    });
    rows.push(`  dist/${name}/index.js  ${kb(statSync(outfile).size)}  (${describeShares(result.metafile)})`);
    // The same handler behind an HTTP server, for FC's custom runtime: it loads ./index.js beside it.
    const serverFile = join(root, 'dist', name, 'server.js');
    await build({ ...common, entryPoints: [CUSTOM_RUNTIME_SOURCE], outfile: serverFile });
    rows.push(`  dist/${name}/server.js  ${kb(statSync(serverFile).size)}  (the custom runtime's entry)`);
    if (!readsRules(result.metafile)) continue;
    // A function that reads rules gets the YAML parser beside it, loaded only for YAML rules.
    const yamlFile = join(root, 'dist', name, 'yaml-parser.js');
    await build({
      ...common,
      entryPoints: [join(root, 'shared', 'rules', 'yaml-parser.ts')],
      outfile: yamlFile,
    });
    rows.push(`  dist/${name}/yaml-parser.js  ${kb(statSync(yamlFile).size)}  (loaded only for YAML rules)`);
    // And the OSS client, loaded only when RULES_URL names an object.
    const ossFile = join(root, 'dist', name, 'oss-client.js');
    await build({ ...common, entryPoints: [join(root, 'shared', 'oss', 'get-object.ts')], outfile: ossFile });
    rows.push(`  dist/${name}/oss-client.js  ${kb(statSync(ossFile).size)}  (loaded only for RULES_URL)`);
    // And the lookup client, loaded only when a call reaches a lookup node.
    const lookupFile = join(root, 'dist', name, 'lookup-client.js');
    await build({
      ...common,
      entryPoints: [join(root, 'shared', 'lookup', 'lookup-client.ts')],
      outfile: lookupFile,
    });
    rows.push(`  dist/${name}/lookup-client.js  ${kb(statSync(lookupFile).size)}  (loaded only for lookups)`);
    if (rulesJson !== undefined) {
      // Rules that ship with the code, read at once at a cold start: RULES_FILE=/code/rules.json.
      const rulesFile = join(root, 'dist', name, 'rules.json');
      writeFileSync(rulesFile, rulesJson);
      rows.push(
        `  dist/${name}/rules.json  ${kb(statSync(rulesFile).size)}  (for RULES_FILE=/code/rules.json)`,
      );
    }
    // And the classifier client, loaded only when a menu asks the language model.
    const classifierFile = join(root, 'dist', name, 'classifier-client.js');
    await build({
      ...common,
      entryPoints: [join(root, 'shared', 'classify', 'classifier-client.ts')],
      outfile: classifierFile,
    });
    rows.push(
      `  dist/${name}/classifier-client.js  ${kb(statSync(classifierFile).size)}  (loaded only for classifications)`,
    );
    // And the wording of a document's mistakes, loaded only for invalid rules.
    const wordingFile = join(root, 'dist', name, 'word-issues.js');
    await build({
      ...common,
      entryPoints: [WORDING_SOURCE],
      outfile: wordingFile,
      plugins: [SIDE_FILE_WORDING],
    });
    rows.push(
      `  dist/${name}/word-issues.js  ${kb(statSync(wordingFile).size)}  (loaded only for invalid rules)`,
    );
  }
  if (quiet) return;
  io.out(`built ${names.length} functions (${version}):\n${rows.join('\n')}\n`);
  for (const [name, { years, version: from }] of holidayYears) {
    const kept = years.length === 0 ? 'none' : years.join(', ');
    io.out(`  ${name}: China's holiday years kept from chinese-days ${from}: ${kept}\n`);
  }
}

runWhenMain(import.meta.filename, main);
