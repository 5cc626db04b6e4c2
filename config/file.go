package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// keyKind is what a key of the samples file holds.
type keyKind int

const (
	kindObject  keyKind = iota
	kindString          // a string read into a setting
	kindPort            // a whole number, or a string of digits
	kindIgnored         // a string that Okta's samples write and this app ignores
)

// fileKey describes one key of the samples file.
type fileKey struct {
	kind     keyKind
	children map[string]fileKey // kindObject
	setting  setting            // kindString, kindPort
}

// fileSchema is the samples file's layout: every key the app reads, and
// the ones Okta's samples write that it accepts and ignores. Anything else
// is reported, with the closest known name, rather than silently dropped.
func fileSchema() map[string]fileKey {
	groups := map[string]map[string]fileKey{}
	for s, r := range references() {
		group, name, ok := strings.Cut(r.FileKey, ".")
		if !ok {
			continue
		}
		k := fileKey{kind: kindString, setting: setting(s)}
		if setting(s) == settingPort || setting(s) == settingSPAPort {
			k.kind = kindPort
		}
		if groups[group] == nil {
			groups[group] = map[string]fileKey{}
		}
		groups[group][name] = k
	}
	for _, key := range IgnoredFileKeys() {
		group, name, _ := strings.Cut(key, ".")
		groups[group][name] = fileKey{kind: kindIgnored}
	}
	children := map[string]fileKey{}
	for name, keys := range groups {
		children[name] = fileKey{kind: kindObject, children: keys}
	}
	return map[string]fileKey{"oktaSample": {kind: kindObject, children: children}}
}

// fileReader reads one samples file into setting values, collecting every
// problem it finds instead of stopping at the first.
type fileReader struct {
	path     string
	data     []byte
	schema   map[string]fileKey
	values   map[setting]string
	problems []Problem
}

// readFile parses data, the samples file at path. It returns the values of
// the settings the file gives (a port as its digits) and every problem:
// malformed JSON, unknown keys with the closest known name, and each value
// of the wrong type, all with line and column.
func readFile(path string, data []byte) (map[setting]string, []Problem) {
	r := &fileReader{path: path, data: data, schema: fileSchema(), values: map[setting]string{}}
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		r.add(path, "%s", describeJSONError(data, err))
		return r.values, r.problems
	}
	// One JSON object and nothing after it: trailing text is a mistake
	// (a pasted second object, a stray brace), not something to ignore.
	end := dec.InputOffset()
	rest := data[end:]
	if extra := bytes.TrimLeft(rest, " \t\r\n"); len(extra) > 0 {
		// position counts the offending byte itself, as json.SyntaxError does.
		line, col := position(data, end+int64(len(rest)-len(extra))+1)
		r.add(path, "malformed JSON at line %d, column %d: unexpected text after the closing brace", line, col)
		return r.values, r.problems
	}
	start := skipSeparators(data, 0)
	if raw[0] != '{' {
		r.add(path, "%s: the file must hold one JSON object, {\"oktaSample\": {...}}, not %s", r.at(start), jsonKind(raw))
		return r.values, r.problems
	}
	r.object(raw, start, "", r.schema)
	return r.values, r.problems
}

func (r *fileReader) add(field, format string, args ...any) {
	r.problems = append(r.problems, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
}

// at names a byte offset of the file for a message.
func (r *fileReader) at(offset int64) string {
	line, col := position(r.data, offset+1)
	return fmt.Sprintf("line %d, column %d of %s", line, col, r.path)
}

// object walks raw, a JSON object starting at offset base of the file,
// whose keys are described by schema. prefix is its own key path.
func (r *fileReader) object(raw json.RawMessage, base int64, prefix string, schema map[string]fileKey) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	// raw is one valid JSON object (the file decoded without error), so
	// the tokens below cannot fail; a failure would be a bug, reported as
	// a problem rather than a panic.
	if _, err := dec.Token(); err != nil {
		r.add(r.path, "%s: %v", r.at(base), err)
		return
	}
	seen := map[string]int64{}
	for dec.More() {
		keyStart := skipSeparators(raw, dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			r.add(r.path, "%s: %v", r.at(base+keyStart), err)
			return
		}
		name, _ := tok.(string) // object keys are always strings
		valStart := skipSeparators(raw, dec.InputOffset())
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			r.add(r.path, "%s: %v", r.at(base+valStart), err)
			return
		}
		path := joinKey(prefix, shownKey(name))
		if first, dup := seen[name]; dup {
			r.add(path, "%s: given a second time (first at %s); keep one", r.at(base+keyStart), r.at(first))
			continue
		}
		seen[name] = base + keyStart
		spec, known := schema[name]
		if !known {
			r.add(path, "%s: unknown key; %s", r.at(base+keyStart), r.suggest(prefix, name, schema))
			continue
		}
		r.value(path, spec, val, base+valStart)
	}
}

// value checks one known key's value and records it.
func (r *fileReader) value(path string, spec fileKey, val json.RawMessage, offset int64) {
	fieldName := path
	if spec.kind == kindString || spec.kind == kindPort {
		fieldName = field(spec.setting)
	}
	if string(val) == "null" {
		return // as if absent
	}
	switch spec.kind {
	case kindObject:
		if val[0] != '{' {
			r.add(fieldName, "%s: must be an object {...}, not %s", r.at(offset), jsonKind(val))
			return
		}
		r.object(val, offset, path, spec.children)
	case kindString, kindIgnored:
		var s string
		if err := json.Unmarshal(val, &s); err != nil {
			r.add(fieldName, "%s: must be a string, not %s", r.at(offset), jsonKind(val))
			return
		}
		if spec.kind == kindString {
			r.values[spec.setting] = strings.TrimSpace(s)
		}
	case kindPort:
		switch val[0] {
		case '"':
			var s string
			if err := json.Unmarshal(val, &s); err != nil {
				r.add(fieldName, "%s: %v", r.at(offset), err)
				return
			}
			r.values[spec.setting] = strings.TrimSpace(s)
		case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			r.values[spec.setting] = string(val)
		default:
			r.add(fieldName, "%s: must be a number such as 8080, not %s", r.at(offset), jsonKind(val))
		}
	}
}

// suggest says what an unknown key at prefix probably meant: a known key
// at the same level spelt alike (isuer, client_secret, ClientID), a known
// key of that name elsewhere in the file (issuer directly under
// oktaSample), or, at the top, oktaSample itself.
func (r *fileReader) suggest(prefix, name string, here map[string]fileKey) string {
	if k := closest(name, slices.Sorted(maps.Keys(here))); k != "" {
		return fmt.Sprintf("did you mean %q?", joinKey(prefix, k))
	}
	for _, p := range allKeyPaths("", r.schema) {
		if normalizeKey(p[strings.LastIndexByte(p, '.')+1:]) == normalizeKey(name) {
			return fmt.Sprintf("did you mean %q? It belongs there", p)
		}
	}
	if prefix == "" {
		return `the sample's settings go under "oktaSample": {"oktaSample": {"oidc": {...}, "server": {...}}}`
	}
	return "the keys here are " + strings.Join(slices.Sorted(maps.Keys(here)), ", ")
}

// allKeyPaths lists the full path of every key in schema, sorted.
func allKeyPaths(prefix string, schema map[string]fileKey) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(schema)) {
		p := joinKey(prefix, name)
		out = append(out, p)
		out = append(out, allKeyPaths(p, schema[name].children)...)
	}
	return out
}

// shownKey is name as a message shows it: quoted when it holds anything
// unprintable, so a key cannot garble the terminal it is printed to.
func shownKey(name string) string {
	if q := strconv.Quote(name); q[1:len(q)-1] != name {
		return q
	}
	return name
}

func joinKey(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// skipSeparators returns the offset of the first byte at or after off
// that is not white space, a colon or a comma: where the next JSON token
// starts.
func skipSeparators(data []byte, off int64) int64 {
	for off < int64(len(data)) && strings.IndexByte(" \t\r\n:,", data[off]) >= 0 {
		off++
	}
	return off
}

// jsonKind names the type of a JSON value for a message.
func jsonKind(v json.RawMessage) string {
	switch v[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

// describeJSONError turns a decoding error into a message with the line
// and column, which encoding/json reports only as a byte offset.
func describeJSONError(data []byte, err error) string {
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		line, col := position(data, syn.Offset)
		return fmt.Sprintf("malformed JSON at line %d, column %d: %v", line, col, syn)
	case errors.Is(err, io.EOF):
		return "the file is empty; want a JSON object {\"oktaSample\": {...}}"
	default:
		return "malformed JSON: " + err.Error()
	}
}

// position converts a 1-based byte offset (the offending byte, as
// json.SyntaxError counts) into a 1-based line and column.
func position(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - (bytes.LastIndexByte(before, '\n') + 1)
	if col < 1 {
		col = 1
	}
	return line, col
}
