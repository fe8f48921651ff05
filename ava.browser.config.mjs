// `npm run test:browser`: the tests that drive a real browser (Debian's chromium, through playwright-core).
export default {
  files: ['dist/test/browser/**/*.browser.js'],
  timeout: '3m',
};
