package session

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/okta-samples/okta-go-sample/auth"
)

// A login's auth.Report is kept with its session, for the report page, in
// a compact form of its own: about 350 bytes for a typical login, where
// JSON would take over 2,000.
//
//	version byte (reportVersion)
//	the Report's fields, in the order of encodeReport: strings, times as
//	  Unix milliseconds (a zigzag varint, 0 for the zero time), durations in
//	  microseconds (a zigzag varint), the booleans as one byte of flags,
//	  counts and statuses as uvarints
//	the checks: a count, then each as one byte naming its step and rule
//	  (0: both follow as strings), one byte for its result (0x80 set
//	  when Got equals Want, which is then written once), Want [, Got]
//	the tokens' decoded header and payload, each as JSON (below), and
//	  signature, unless they are those of the tokens the session keeps
//	  (flagIDTokenParts, flagAccessTokenParts): then they are not stored
//	  twice, and User.Report decodes them from those tokens
//
// A string is a uvarint n and then, by n's low two bits: 0, n>>2 bytes of
// text; 1, the (n>>2)th string written before, again; 2, the Issuer
// followed by a string (an endpoint under the issuer: /v1/token); 3, the
// (n>>2)th of reportWords, the words a report often holds. Values repeat
// a lot (the issuer, the client id, the subject), and every endpoint
// starts with the issuer.
//
// A JSON document is a byte: 0, then the text as a string; or 1, then its
// values one by one: a tag byte (jsonString, jsonInt…) and the value, so
// that its names and strings are strings as above and its integers
// varints. The second form is used only when it gives back exactly the
// same text.
//
// Times are kept to the millisecond and durations to the microsecond.
const reportVersion = 1

var errBadReport = errors.New("session: stored login report is malformed")

// reportWords are the strings a report often holds, one or two bytes
// each. Append only: a stored index must keep its meaning.
var reportWords = [...]string{
	"client_secret_basic", "authorization_code", "interaction_code", "code", "S256", "Bearer", "RS256",
	"present", "verified", "not verified", "200", "openid email profile", "openid profile email",
	"/authorization-code/login", "/authorization-code/login-custom", "/authorization-code/callback",
	"/v1/authorize", "/v1/token", "/v1/keys", "/v1/userinfo", "code and interaction_code",
	"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "cid", "uid", "scp", "ver", "auth_time", "alg", "kid", "typ",
	"JWT", "at+jwt", "api://default", "openid", "email", "profile", "offline_access", "groups",
	"name", "given_name", "family_name", "locale", "zoneinfo", "updated_at", "email_verified", "preferred_username",
}

// reportRules are the checks a Report records, one byte each. Append
// only: a stored byte must keep its meaning.
var reportRules = [...]string{
	1: "callback/state", 2: "callback/iss", 3: "callback/error", 4: "callback/code",
	5: "token/response", 6: "token/token_type", 7: "token/access_token", 8: "token/id_token",
	9: "id_token/format", 10: "id_token/alg", 11: "id_token/signature", 12: "id_token/iss",
	13: "id_token/aud", 14: "id_token/azp", 15: "id_token/exp", 16: "id_token/iat",
	17: "id_token/nbf", 18: "id_token/sub", 19: "id_token/nonce", 20: "id_token/at_hash",
	21: "userinfo/sub",
}

// reportResults are the results of a check, one byte each (0 is "").
var reportResults = [...]string{1: "pass", 2: "fail", 3: "skip"}

// sameValue marks a check whose Got equals its Want.
const sameValue = 0x80

// Report flags.
const (
	flagIssAdvertised = 1 << iota
	flagRefreshToken
	flagKeysFetched
	// flagIDTokenParts and flagAccessTokenParts: the Report's decoded
	// parts of the token are those of the token the session keeps, and
	// decodeReport takes them from it; otherwise they are written out.
	flagIDTokenParts
	flagAccessTokenParts
)

// knownFlags are every flag a stored Report may carry.
const knownFlags = flagIssAdvertised | flagRefreshToken | flagKeysFetched | flagIDTokenParts | flagAccessTokenParts

// reportWriter appends a Report's encoding to b.
type reportWriter struct {
	b      []byte
	issuer string
	seen   []string
}

func (w *reportWriter) str(s string) {
	for i, word := range reportWords {
		if word == s {
			w.b = binary.AppendUvarint(w.b, uint64(i)<<2|3)
			return
		}
	}
	if len(s) >= 4 {
		for i, prev := range w.seen {
			if prev == s {
				w.b = binary.AppendUvarint(w.b, uint64(i)<<2|1)
				return
			}
		}
	}
	w.seen = append(w.seen, s)
	if rest, ok := strings.CutPrefix(s, w.issuer); ok && w.issuer != "" && rest != "" {
		w.b = binary.AppendUvarint(w.b, 2)
		issuer := w.issuer
		w.issuer = "" // the suffix is never itself under the issuer
		w.str(rest)
		w.issuer = issuer
		return
	}
	w.b = binary.AppendUvarint(w.b, uint64(len(s))<<2)
	w.b = append(w.b, s...)
}

func (w *reportWriter) time(t time.Time) {
	if t.IsZero() {
		w.b = binary.AppendVarint(w.b, 0)
		return
	}
	w.b = binary.AppendVarint(w.b, t.UnixMilli())
}

func (w *reportWriter) duration(d time.Duration) {
	w.b = binary.AppendVarint(w.b, int64(d/time.Microsecond))
}

func (w *reportWriter) uint(n int) { w.b = binary.AppendUvarint(w.b, uint64(max(n, 0))) }

func (w *reportWriter) strs(list []string) {
	w.uint(len(list))
	for _, s := range list {
		w.str(s)
	}
}

// encodeReport returns r's encoding, or "" for no report; idToken and
// accessToken are the tokens the session keeps with it.
func encodeReport(r *auth.Report, idToken, accessToken string) string {
	if r == nil {
		return ""
	}
	w := reportWriter{b: make([]byte, 0, 1024), issuer: r.Issuer, seen: make([]string, 0, 48)}
	w.b = append(w.b, reportVersion)
	// The issuer first and whole: the other strings refer to it.
	w.issuer = ""
	w.str(r.Issuer)
	w.issuer = r.Issuer
	for _, s := range []string{r.Failed, r.AuthorizationEndpoint, r.ClientID, r.RedirectURI, r.Scope,
		r.State, r.Nonce, r.CodeChallenge, r.CodeChallengeMethod, r.Grant, r.StartPath,
		r.TokenEndpoint, r.ClientAuth, r.TokenType, r.GrantedScope,
		r.JWKSURI, r.KeyID, r.Alg, r.UserInfoEndpoint, r.UserInfoSkipped} {
		w.str(s)
	}
	for _, t := range []time.Time{r.Started, r.ProviderDate, r.Checked, r.IssuedAt, r.Expiry, r.NotBefore} {
		w.time(t)
	}
	for _, d := range []time.Duration{r.TokenTime, r.ClockSkew, r.AccessTokenLifetime, r.Leeway, r.UserInfoTime} {
		w.duration(d)
	}
	var flags byte
	if r.IssAdvertised {
		flags |= flagIssAdvertised
	}
	if r.RefreshToken {
		flags |= flagRefreshToken
	}
	if r.KeysFetched {
		flags |= flagKeysFetched
	}
	idParts := sameParts(idToken, r.IDTokenHeader, r.IDTokenPayload, r.IDTokenSignature)
	if idParts {
		flags |= flagIDTokenParts
	}
	atParts := sameParts(accessToken, r.AccessTokenHeader, r.AccessTokenPayload, r.AccessTokenSignature)
	if atParts {
		flags |= flagAccessTokenParts
	}
	w.b = append(w.b, flags)
	w.uint(r.TokenStatus)
	w.uint(r.UserInfoStatus)
	w.strs(r.KnownKeyIDs)
	w.strs(r.UserInfoAdded)
	w.uint(len(r.Checks))
	for _, c := range r.Checks {
		code := ruleCode(c.Step, c.Rule)
		w.b = append(w.b, code)
		if code == 0 {
			w.str(c.Step)
			w.str(c.Rule)
		}
		result := resultCode(c.Result)
		if c.Got == c.Want {
			result |= sameValue
		}
		w.b = append(w.b, result)
		w.str(c.Want)
		if c.Got != c.Want {
			w.str(c.Got)
		}
	}
	// Last, so that their values can refer to the ones above.
	if !idParts {
		w.json(r.IDTokenHeader)
		w.json(r.IDTokenPayload)
		w.str(r.IDTokenSignature)
	}
	if !atParts {
		w.json(r.AccessTokenHeader)
		w.json(r.AccessTokenPayload)
		w.str(r.AccessTokenSignature)
	}
	return string(w.b)
}

// sameParts reports whether a report's decoded parts of a token are the
// ones token gives, so that they need not be stored: the session keeps
// the token. A report without them (an opaque token) never matches.
func sameParts(token, header, payload, signature string) bool {
	if header == "" {
		return false
	}
	h, p, sig, ok := tokenParts(token)
	return ok && h == header && p == payload && sig == signature
}

func ruleCode(step, rule string) byte {
	for i, sr := range reportRules {
		if i > 0 && len(sr) == len(step)+1+len(rule) && strings.HasPrefix(sr, step) && sr[len(step)] == '/' && strings.HasSuffix(sr, rule) {
			return byte(i)
		}
	}
	return 0
}

// resultCode is a check's result as a byte; a result outside the list
// (which Report never makes) is kept as "".
func resultCode(result string) byte {
	for i, r := range reportResults {
		if i > 0 && r == result {
			return byte(i)
		}
	}
	return 0
}

// reportReader reads what encodeReport wrote; the first problem sticks.
type reportReader struct {
	decoder
	issuer string
	seen   []string
}

func (r *reportReader) str() string {
	return r.strDepth(0)
}

func (r *reportReader) strDepth(depth int) string {
	n := r.uvarint()
	if r.err != nil {
		return ""
	}
	var s string
	switch n & 3 {
	case 0:
		s = r.fixed(n >> 2)
	case 1:
		i := n >> 2
		if i >= uint64(len(r.seen)) {
			r.err = errBadReport
			return ""
		}
		return r.seen[i]
	case 2:
		// The issuer and a suffix, which is never itself a suffix.
		if n != 2 || depth > 0 {
			r.err = errBadReport
			return ""
		}
		i := len(r.seen)
		r.seen = append(r.seen, "")
		s = r.issuer + r.strDepth(depth+1)
		r.seen[i] = s
		return s
	default:
		i := n >> 2
		if i >= uint64(len(reportWords)) {
			r.err = errBadReport
			return ""
		}
		return reportWords[i]
	}
	r.seen = append(r.seen, s)
	return s
}

func (r *reportReader) time() time.Time {
	v := r.varint()
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func (r *reportReader) duration() time.Duration {
	return time.Duration(r.varint()) * time.Microsecond
}

func (r *reportReader) int() int {
	n := r.uvarint()
	if n > 1<<20 {
		r.err = errBadReport
		return 0
	}
	return int(n)
}

func (r *reportReader) strs() []string {
	n := r.int()
	if n == 0 || uint64(n) > uint64(len(r.data)-r.off) {
		if n != 0 {
			r.err = errBadReport
		}
		return nil
	}
	list := make([]string, 0, n)
	for range n {
		list = append(list, r.str())
	}
	return list
}

// decodeReport reads what encodeReport wrote, and fills in the tokens'
// decoded parts from idToken and accessToken when it left them out.
func decodeReport(data, idToken, accessToken string) (*auth.Report, error) {
	if data == "" {
		return nil, nil
	}
	r := reportReader{decoder: decoder{data: data}}
	if r.byte() != reportVersion {
		return nil, fmt.Errorf("%w: unknown version", errBadReport)
	}
	rep := &auth.Report{}
	rep.Issuer = r.str()
	r.issuer = rep.Issuer
	for _, s := range []*string{&rep.Failed, &rep.AuthorizationEndpoint, &rep.ClientID, &rep.RedirectURI, &rep.Scope,
		&rep.State, &rep.Nonce, &rep.CodeChallenge, &rep.CodeChallengeMethod, &rep.Grant, &rep.StartPath,
		&rep.TokenEndpoint, &rep.ClientAuth, &rep.TokenType, &rep.GrantedScope,
		&rep.JWKSURI, &rep.KeyID, &rep.Alg, &rep.UserInfoEndpoint, &rep.UserInfoSkipped} {
		*s = r.str()
	}
	for _, t := range []*time.Time{&rep.Started, &rep.ProviderDate, &rep.Checked, &rep.IssuedAt, &rep.Expiry, &rep.NotBefore} {
		*t = r.time()
	}
	for _, d := range []*time.Duration{&rep.TokenTime, &rep.ClockSkew, &rep.AccessTokenLifetime, &rep.Leeway, &rep.UserInfoTime} {
		*d = r.duration()
	}
	flags := r.byte()
	rep.IssAdvertised = flags&flagIssAdvertised != 0
	rep.RefreshToken = flags&flagRefreshToken != 0
	rep.KeysFetched = flags&flagKeysFetched != 0
	rep.TokenStatus = r.int()
	rep.UserInfoStatus = r.int()
	rep.KnownKeyIDs = r.strs()
	rep.UserInfoAdded = r.strs()
	n := r.int()
	if uint64(n) > uint64(len(r.data)-r.off) {
		return nil, errBadReport
	}
	if n > 0 {
		rep.Checks = make([]auth.ReportCheck, 0, n)
	}
	for i := 0; i < n && r.err == nil; i++ {
		var c auth.ReportCheck
		switch code := r.byte(); {
		case code == 0:
			c.Step, c.Rule = r.str(), r.str()
		case int(code) < len(reportRules):
			c.Step, c.Rule, _ = strings.Cut(reportRules[code], "/")
		default:
			r.err = errBadReport
		}
		result := r.byte()
		if rc := int(result &^ sameValue); rc < len(reportResults) {
			c.Result = reportResults[rc]
		} else {
			r.err = errBadReport
		}
		c.Want = r.str()
		c.Got = c.Want
		if result&sameValue == 0 {
			c.Got = r.str()
		}
		rep.Checks = append(rep.Checks, c)
	}
	parts := func(flag byte, token string, header, payload, signature *string) {
		if flags&flag == 0 {
			*header, *payload, *signature = r.json(), r.json(), r.str()
			return
		}
		var ok bool
		if *header, *payload, *signature, ok = tokenParts(token); !ok {
			r.err = errBadReport // the session's token is not the report's
		}
	}
	parts(flagIDTokenParts, idToken, &rep.IDTokenHeader, &rep.IDTokenPayload, &rep.IDTokenSignature)
	parts(flagAccessTokenParts, accessToken, &rep.AccessTokenHeader, &rep.AccessTokenPayload, &rep.AccessTokenSignature)
	if r.err != nil || r.off != len(r.data) || flags&^knownFlags != 0 {
		return nil, errBadReport
	}
	return rep, nil
}

// fixed reads the next n bytes as a string.
func (r *reportReader) fixed(n uint64) string {
	if r.err != nil || n > uint64(len(r.data)-r.off) {
		r.err = errBadReport
		return ""
	}
	s := r.data[r.off : r.off+int(n)]
	r.off += int(n)
	return s
}

// varint reads a zigzag varint.
func (r *reportReader) varint() int64 {
	u := r.uvarint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

// tokenParts decodes a compact JWS as auth.Report keeps one: its header
// and payload as JSON text, and its signature cut to 8 characters.
func tokenParts(raw string) (header, payload, signature string, ok bool) {
	h, rest, ok1 := strings.Cut(raw, ".")
	p, sig, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(sig, ".") {
		return "", "", "", false
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(h)
	pb, err2 := base64.RawURLEncoding.DecodeString(p)
	if err1 != nil || err2 != nil || !json.Valid(hb) || !json.Valid(pb) {
		return "", "", "", false
	}
	if len(sig) > 8 {
		sig = sig[:8] + "…"
	}
	return string(hb), string(pb), sig, true
}

// Timeouts are the idle timeout and the absolute lifetime of the sessions
// m makes, for the login report's session step.
func (m *Manager) Timeouts() (idle, lifetime time.Duration) { return m.idle, m.lifetime }

// Tags of the values of a JSON document in its compact form.
const (
	jsonString = iota
	jsonInt    // a non-negative integer, as a uvarint
	jsonNumber // any other number, as a string
	jsonTrue
	jsonFalse
	jsonNull
	jsonArray  // a count, then the values
	jsonObject // a count, then each name (a string) and value
)

// maxJSONDepth bounds the nesting of a stored JSON document.
const maxJSONDepth = 16

// jsonValue is a JSON value, in the order of its text.
type jsonValue struct {
	tag   byte
	text  string      // a string, or a number's text
	items []jsonValue // an array's values; an object's names and values, alternating
}

// json writes a JSON document, compact when that gives back its text.
func (w *reportWriter) json(doc string) {
	v, err := parseJSON(doc)
	if err != nil || string(appendJSON(nil, v)) != doc {
		w.b = append(w.b, 0)
		w.str(doc)
		return
	}
	w.b = append(w.b, 1)
	w.jsonValue(v)
}

func (w *reportWriter) jsonValue(v jsonValue) {
	w.b = append(w.b, v.tag)
	switch v.tag {
	case jsonString, jsonNumber:
		w.str(v.text)
	case jsonInt:
		n, _ := strconv.ParseUint(v.text, 10, 64) // checked by parseJSON
		w.b = binary.AppendUvarint(w.b, n)
	case jsonArray, jsonObject:
		w.uint(len(v.items))
		for _, item := range v.items {
			w.jsonValue(item)
		}
	}
}

// parseJSON reads one JSON document, keeping the order of its names.
func parseJSON(doc string) (jsonValue, error) {
	if doc == "" {
		return jsonValue{}, errors.New("empty")
	}
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	v, err := parseJSONValue(dec, 0)
	if err != nil {
		return jsonValue{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return jsonValue{}, errors.New("more than one value")
	}
	return v, nil
}

func parseJSONValue(dec *json.Decoder, depth int) (jsonValue, error) {
	if depth > maxJSONDepth {
		return jsonValue{}, errors.New("too deep")
	}
	tok, err := dec.Token()
	if err != nil {
		return jsonValue{}, err
	}
	switch t := tok.(type) {
	case string:
		return jsonValue{tag: jsonString, text: t}, nil
	case json.Number:
		if isUint(string(t)) {
			return jsonValue{tag: jsonInt, text: string(t)}, nil
		}
		return jsonValue{tag: jsonNumber, text: string(t)}, nil
	case bool:
		if t {
			return jsonValue{tag: jsonTrue}, nil
		}
		return jsonValue{tag: jsonFalse}, nil
	case nil:
		return jsonValue{tag: jsonNull}, nil
	case json.Delim:
		v := jsonValue{tag: jsonArray}
		if t == '{' {
			v.tag = jsonObject
		}
		for dec.More() {
			if v.tag == jsonObject {
				name, err := dec.Token()
				if err != nil {
					return jsonValue{}, err
				}
				v.items = append(v.items, jsonValue{tag: jsonString, text: name.(string)})
			}
			item, err := parseJSONValue(dec, depth+1)
			if err != nil {
				return jsonValue{}, err
			}
			v.items = append(v.items, item)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return jsonValue{}, err
		}
		return v, nil
	}
	return jsonValue{}, errors.New("unexpected token")
}

// isUint reports whether a number's text is a small non-negative integer
// written the one way appendJSON writes it back.
func isUint(s string) bool {
	if s == "" || len(s) > 15 || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// appendJSON writes v as compact JSON. Strings are escaped only where
// JSON must be (quote, backslash, control characters), as most encoders
// do; a document written otherwise is stored as its text.
func appendJSON(b []byte, v jsonValue) []byte {
	switch v.tag {
	case jsonString:
		return appendJSONString(b, v.text)
	case jsonInt, jsonNumber:
		return append(b, v.text...)
	case jsonTrue:
		return append(b, "true"...)
	case jsonFalse:
		return append(b, "false"...)
	case jsonNull:
		return append(b, "null"...)
	}
	open, end := byte('['), byte(']')
	if v.tag == jsonObject {
		open, end = '{', '}'
	}
	b = append(b, open)
	for i, item := range v.items {
		switch {
		case i == 0:
		case v.tag == jsonObject && i%2 == 1:
			b = append(b, ':')
		default:
			b = append(b, ',')
		}
		b = appendJSON(b, item)
	}
	return append(b, end)
}

func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := range len(s) {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '\r':
			b = append(b, `\r`...)
		case c == '\t':
			b = append(b, `\t`...)
		case c < 0x20:
			b = append(b, fmt.Sprintf(`\u%04x`, c)...)
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// json reads what reportWriter.json wrote.
func (r *reportReader) json() string {
	switch r.byte() {
	case 0:
		return r.str()
	case 1:
		v := r.jsonValue(0)
		if r.err != nil {
			return ""
		}
		return string(appendJSON(nil, v))
	}
	r.err = errBadReport
	return ""
}

func (r *reportReader) jsonValue(depth int) jsonValue {
	if depth > maxJSONDepth {
		r.err = errBadReport
		return jsonValue{}
	}
	v := jsonValue{tag: r.byte()}
	switch v.tag {
	case jsonString:
		v.text = r.str()
	case jsonNumber:
		v.text = r.str()
		if v.text == "" || !(v.text[0] == '-' || v.text[0] >= '0' && v.text[0] <= '9') || !json.Valid([]byte(v.text)) || isUint(v.text) {
			r.err = errBadReport
		}
	case jsonInt:
		n := r.uvarint()
		v.text = strconv.FormatUint(n, 10)
		if !isUint(v.text) {
			r.err = errBadReport
		}
	case jsonTrue, jsonFalse, jsonNull:
	case jsonArray, jsonObject:
		n := r.int()
		if uint64(n) > uint64(len(r.data)-r.off) || (v.tag == jsonObject && n%2 != 0) {
			r.err = errBadReport
			return v
		}
		for i := 0; i < n && r.err == nil; i++ {
			item := r.jsonValue(depth + 1)
			if v.tag == jsonObject && i%2 == 0 && item.tag != jsonString {
				r.err = errBadReport
			}
			v.items = append(v.items, item)
		}
	default:
		r.err = errBadReport
	}
	return v
}
