package auth

import (
	"context"
	"net/http"
	"time"
)

// This file lets the external tests (package auth_test) reach what the
// API keeps unexported. It is compiled for tests only.

// Transaction is a pending login as its cookie holds it.
type Transaction = transaction

// TransactionTTL and MaxPending are the package's limits.
const (
	TransactionTTL = transactionTTL
	MaxPending     = maxPending
)

// SafeReturnTo is the return-to check Begin applies.
var SafeReturnTo = safeReturnTo

// NewMemorySpentStates is the built-in SpentStates with room for max
// states, so a test can fill it quickly.
func NewMemorySpentStates(max int, now func() time.Time) SpentStates {
	return newMemorySpent(max, now)
}

// NewCookieOnlyRP is a RelyingParty that can Begin nothing and Finish
// nothing but the first step: the transaction cookies and the spent
// states, with no provider. The cookie path is the callback's folder.
func NewCookieOnlyRP(keys [][]byte, now func() time.Time) (*RelyingParty, error) {
	tc, err := newTxCookies(keys, "/authorization-code/", false, now)
	if err != nil {
		return nil, err
	}
	return &RelyingParty{cookies: tc, spent: newMemorySpent(defaultMaxSpent, now), now: now}, nil
}

// TakeTransaction is step 1 of Finish: the transaction for state, from
// r's cookie, checked and spent.
func (rp *RelyingParty) TakeTransaction(w http.ResponseWriter, r *http.Request, state string) (*Transaction, error) {
	return rp.takeTransaction(context.Background(), w, r, state)
}

// SaveTransaction seals tx into its cookie on w, as Begin does.
func (rp *RelyingParty) SaveTransaction(w http.ResponseWriter, r *http.Request, tx *Transaction) error {
	return rp.cookies.save(w, r, tx)
}

// OpenTransactionCookie opens c with rp's keys.
func (rp *RelyingParty) OpenTransactionCookie(c *http.Cookie) (*Transaction, error) {
	return rp.cookies.open(c.Name, c.Value)
}

// SealTransactionCookie seals tx under the cookie name name, which need
// not be the one tx's state gives it.
func (rp *RelyingParty) SealTransactionCookie(name string, tx *Transaction) (*http.Cookie, error) {
	v, err := rp.cookies.seal(name, tx)
	if err != nil {
		return nil, err
	}
	return rp.cookies.cookie(name, v, int(transactionTTL/time.Second)), nil
}

// NewTransaction makes a fresh transaction created at now.
func NewTransaction(returnTo string, now time.Time) *Transaction {
	return newTransaction(returnTo, "", now)
}
