// Package browsertest drives a headless Chromium for tests: it opens the
// sandbox's pages as a person's browser does (CSS, fonts, forms), runs the
// axe-core accessibility checker in them and takes screenshots.
//
// Chromium and axe-core come from the machine (Debian's chromium, npm's
// axe-core, whose path $PROCONNECT_SANDBOX_AXE_CORE gives): under CI=true a
// missing one fails the test; elsewhere the test is skipped and says what
// was not tested. It is for tests only, never part of the sandbox's binary.
package browsertest
