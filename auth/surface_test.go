package auth_test

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"slices"
	"strings"
	"testing"
)

// TestExportedSurface keeps auth a one-page manual: fewer than 30 exported
// names (types, funcs, methods, vars and consts; struct fields and
// interface methods not counted). A new export must earn its place; this
// test lists them all when it fails.
func TestExportedSurface(t *testing.T) {
	fset := token.NewFileSet()
	notTest := func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }
	pkgs, err := parser.ParseDir(fset, ".", notTest, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := pkgs["auth"]
	if !ok {
		t.Fatal("no package auth in this directory")
	}
	files := make([]*ast.File, 0, len(p.Files))
	for _, f := range p.Files {
		files = append(files, f)
	}
	d, err := doc.NewFromFiles(fset, files, "github.com/okta-samples/okta-go-sample/auth")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	values := func(vs []*doc.Value) {
		for _, v := range vs {
			names = append(names, v.Names...)
		}
	}
	values(d.Consts)
	values(d.Vars)
	for _, f := range d.Funcs {
		names = append(names, f.Name)
	}
	for _, typ := range d.Types {
		names = append(names, typ.Name)
		values(typ.Consts)
		values(typ.Vars)
		for _, f := range typ.Funcs {
			names = append(names, f.Name)
		}
		for _, m := range typ.Methods {
			names = append(names, typ.Name+"."+m.Name)
		}
	}
	slices.Sort(names)
	if len(names) == 0 {
		t.Fatal("found no exported names: the parse is wrong")
	}
	if len(names) >= 30 {
		t.Errorf("auth exports %d names, want fewer than 30:\n%s", len(names), strings.Join(names, "\n"))
	}
	t.Logf("auth exports %d names: %s", len(names), strings.Join(names, " "))
}
