// dist/cjs holds the CommonJS build of the `get` fast path (tsconfig.fast.json).
require('node:fs').writeFileSync(require('node:path').join(__dirname, '..', 'dist', 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
