//go:build ignore

// Gen writes test-only-rsa-keys.pem: Count fresh RSA-2048 keys for tests,
// PKCS #8 PEM, after a preamble that says they are public. Run it with
// go generate ./internal/testkeys/ when the keys must change (for example
// to add more); nothing else depends on their exact values.
package main

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"fmt"
	"os"
)

const preamble = `TEST KEYS: PUBLIC, NEVER USE THEM FOR ANYTHING REAL.

These RSA-2048 private keys are committed to a public repository. Tests take
them through package testkeys so that they need not generate a key (about half
a second each, more under the race detector). Anyone can sign with them: no
server that real users reach may trust them. Made by gen.go (go generate).

`

func main() {
	n := flag.Int("n", 16, "number of keys")
	out := flag.String("o", "test-only-rsa-keys.pem", "output file")
	flag.Parse()
	if err := run(*n, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(n int, out string) error {
	var buf bytes.Buffer
	buf.WriteString(preamble)
	for i := range n {
		priv, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return fmt.Errorf("key %d: %w", i, err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			return fmt.Errorf("key %d: %w", i, err)
		}
		if err := pem.Encode(&buf, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
			return fmt.Errorf("key %d: %w", i, err)
		}
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}
