// The headless-Chromium harness moved to @aura/testing. The client's browser suite still imports
// it from here until it is migrated (issue 13, phase B), which deletes this file.
export { bundleForBrowser, CHROMIUM, type HeadlessChromium, haveChromium, launchChromium } from '@aura/testing';
