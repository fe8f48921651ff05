// ESLint 9 flat config: the linter finds defects, Prettier (.prettierrc.json) owns the layout.
// `npm run lint` runs both (and `.ci/run` runs it); `npm run format` applies both fixers.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // Build outputs, installs, runs; kernels/assembly/*.ts is AssemblyScript (`@inline function` is not TypeScript).
    ignores: ['dist/', 'node_modules/', 'runs/', 'kernels/assembly/*.ts'],
  },
  js.configs.recommended,
  // Type-aware rules, through the project's own tsconfig.json (one program, built once per run).
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Promises that are neither awaited nor handled lose their errors (a sink that never flushes, an unhandled rejection).
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // `== null` is the one loose comparison worth keeping (null or undefined); every other == is a bug waiting.
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'prefer-const': 'error',
      // The house writes `import type` / `{ type X }` (verbatimModuleSyntax); keep it so, and never leave a
      // side-effect import behind when every name of an import is a type.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Off: an async function without await is deliberate here (async-generator feeds in tests, commands that
      // share an async signature); what it could hide, a forgotten await, no-floating-promises finds.
      '@typescript-eslint/require-await': 'off',
      // House rules (DESIGN.md): every draw comes from the run's seeded generator; zod objects are strict.
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: "draws come from the run's seeded generator (kernels/Rng.ts), never Math.random" },
        { object: 'z', property: 'object', message: 'z.object drops unknown keys silently: use z.strictObject' },
      ],
    },
  },
  {
    // Tests read the CLI's NDJSON output through JSON.parse (any) and assert on its fields; the assertions are
    // the type check there. The library itself keeps the no-unsafe-* rules.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Plain JavaScript (build scripts, configs) is not in tsconfig.json: lint it without type information.
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  // Last: turn off every stylistic rule that Prettier owns.
  prettier,
);
