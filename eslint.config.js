// ESLint (flat config): the recommended rules of ESLint and typescript-eslint, on every source
// folder (`npm run lint`), as they come: no rule of them was noise for this code.
//
// typescript-eslint parses with TypeScript's JavaScript API, which TypeScript 7 (the native
// compiler) does not have yet. So package.json installs both, side by side: TypeScript 6's API as
// the package `typescript` (what typescript-eslint loads), and TypeScript 7 as `@typescript/native`,
// whose `tsc` is the one in node_modules/.bin (typecheck, build). Once typescript-eslint runs on
// TypeScript 7, `typescript` goes back to being TypeScript 7 alone.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'var/', '.bench-out/', '.scratch/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    // The few plain JavaScript files (scripts run by node): Node's globals.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
  },
  {
    // The status page (src/web): plain ES modules run by the browser, so the browser's globals, not Node's.
    files: ['src/web/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: {
        window: 'readonly', document: 'readonly', console: 'readonly', fetch: 'readonly', EventSource: 'readonly', localStorage: 'readonly',
        CSS: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly',
      },
    },
  },
);
