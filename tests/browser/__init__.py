"""Browser tests: the real field app in Debian's Chromium, driven by Playwright."""
