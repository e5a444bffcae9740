// @ts-check
/**
 * Lint rules for berth: ESLint's recommended set for every file, and for the
 * TypeScript typescript-eslint's `recommendedTypeChecked` (rules that read
 * the types, through tsconfig.json's project service). What is changed from
 * those sets, and why, is said beside each rule below.
 *
 * `npm run lint` runs this; `npm run check` runs it with tsc, the Prettier
 * check and the unit tests.
 */
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  {
    // The build and bundle scripts, and this file: plain ESM run by Node.
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A promise nobody awaits loses its rejection. Fire-and-forget is allowed
      // only when spelled `void promise` (ignoreVoid, the default), which says
      // the promise handles its own errors. node:test's test() and describe()
      // return promises that the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          ignoreVoid: true,
          allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }],
        },
      ],
      // In the recommended set already; stated because a promise passed where
      // a void callback is expected (an event listener, a Fastify hook without
      // async) is the other way a rejection gets lost.
      '@typescript-eslint/no-misused-promises': 'error',
      // Off: facade and repository methods are `async` on purpose even when
      // nothing inside awaits, so that they keep the Promise-returning shape
      // of their interface and a synchronous throw (an EngineError from a
      // lookup) reaches the caller as a rejection, never as a throw from the
      // call expression itself.
      '@typescript-eslint/require-await': 'off',
      // Off: tsc's noUnusedLocals / noUnusedParameters (tsconfig.json) own this
      // check, with the same `_name` convention; two checkers for one thing
      // only disagree about edge cases (rest siblings, overloads).
      '@typescript-eslint/no-unused-vars': 'off',
    },
  },
  {
    // Tests read Docker's JSON answers (`res.json()`, `JSON.parse`) as `any`
    // and check them with assertions; typing every response shape in a test
    // would restate the wire types the tests are there to check. Messages of
    // assertions may print Buffers (utf-8) and unknowns.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
    },
  },
);
