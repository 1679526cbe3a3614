// Prints the closing line of a test run from vitest's JSON report: N passed, N failed, N skipped.
import fs from 'node:fs';

const file = process.argv[2];
if (!fs.existsSync(file)) {
  console.log('0 passed, 1 failed (vitest wrote no report)');
  process.exit(1);
}
const report = JSON.parse(fs.readFileSync(file, 'utf8'));
const tests = report.testResults.flatMap((f) => f.assertionResults);
const count = (status) => tests.filter((t) => t.status === status).length;
const failedSuites = report.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
const skipped = tests.filter((t) => t.status === 'skipped' || t.status === 'pending' || t.status === 'todo');
// One line per group of skipped tests (their describe block says why), not one per test.
const groups = new Map();
for (const t of skipped) {
  const group = t.ancestorTitles.join(' > ') || t.title;
  groups.set(group, (groups.get(group) ?? 0) + 1);
}
for (const [group, n] of groups) console.log(`skipped ${n}: ${group}`);
console.log(`${count('passed')} passed, ${count('failed') + failedSuites} failed, ${skipped.length} skipped`);
process.exit(count('passed') > 0 && count('failed') + failedSuites === 0 ? 0 : 1);
