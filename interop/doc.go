// Package interop holds interoperability tests that run the sample app, as
// a real process, against real third-party OpenID providers. It is a module
// of its own so the providers' dependencies stay out of the app's go.mod.
//
// Run the tests with ./run-tests.sh, which builds the binaries they need.
package interop
