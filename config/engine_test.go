package config

import "testing"

func TestEngineSettings(t *testing.T) {
	okta := map[string]string{"ISSUER": "https://dev-1.okta.com/oauth2/default", "CLIENT_ID": "0oa1", "CLIENT_SECRET": "s3cret-value"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range okta {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name             string
		env              map[string]string
		file             string
		opts             Options
		wantWidget       WidgetEngine
		wantDev          DevEngine
		wantField        string
		wantText         string
		wantWidgetSource string
	}{
		{name: "defaults", env: okta, wantWidget: WidgetEngineAuto, wantDev: DevEngineIdentity, wantWidgetSource: "default"},
		{name: "forced oie by the environment", env: with(map[string]string{"OKTA_SAMPLE_WIDGET_ENGINE": "oie"}),
			wantWidget: WidgetEngineOIE, wantDev: DevEngineIdentity, wantWidgetSource: "environment OKTA_SAMPLE_WIDGET_ENGINE"},
		{name: "forced classic by the file", env: okta, file: `{"oktaSample": {"server": {"widgetEngine": "classic"}}}`,
			wantWidget: WidgetEngineClassic, wantDev: DevEngineIdentity, wantWidgetSource: "file "},
		{name: "environment wins over the file", env: with(map[string]string{"OKTA_SAMPLE_WIDGET_ENGINE": "auto"}),
			file: `{"oktaSample": {"server": {"widgetEngine": "classic"}}}`, wantWidget: WidgetEngineAuto, wantDev: DevEngineIdentity,
			wantWidgetSource: "environment OKTA_SAMPLE_WIDGET_ENGINE"},
		{name: "unknown widget engine", env: with(map[string]string{"OKTA_SAMPLE_WIDGET_ENGINE": "OIE2"}),
			wantField: "oktaSample.server.widgetEngine (OKTA_SAMPLE_WIDGET_ENGINE)", wantText: `"OIE2" is not an engine; use auto`},
		{name: "dev engine classic", opts: Options{Dev: true, DevEngine: "classic"}, wantWidget: WidgetEngineAuto, wantDev: DevEngineClassic,
			wantWidgetSource: "default"},
		{name: "dev engine idx without -dev and no provider", opts: Options{DevEngine: "idx"}, wantWidget: WidgetEngineAuto, wantDev: DevEngineIdentity,
			wantWidgetSource: "default"},
		{name: "dev engine v1 is not a flag value", opts: Options{Dev: true, DevEngine: "v1"},
			wantField: "-dev-engine", wantText: `"v1" is not an engine; use idx`},
		{name: "dev engine with a real provider", env: okta, opts: Options{DevEngine: "classic"},
			wantField: "-dev-engine", wantText: "a provider is configured (issuer from environment ISSUER)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			opts := tt.opts
			opts.Getenv = env(tt.env)
			if tt.file != "" {
				opts.File = writeFile(t, tt.file)
			}
			cfg, err := resolve(opts)
			if tt.wantField != "" {
				if _, ok := findProblem(problems(t, err), tt.wantField, tt.wantText); !ok {
					t.Errorf("got %v, want a problem for %s saying %q", err, tt.wantField, tt.wantText)
				}
				return
			}
			if err != nil {
				t.Fatalf("resolve: %v", err)
			}
			if cfg.WidgetEngine != tt.wantWidget || cfg.DevEngine != tt.wantDev {
				t.Errorf("engines: got widget %q, dev %q; want %q, %q", cfg.WidgetEngine, cfg.DevEngine, tt.wantWidget, tt.wantDev)
			}
			var row Setting
			for _, s := range cfg.Masked() {
				if s.Name == "widget engine" {
					row = s
				}
			}
			if row.Value != string(tt.wantWidget) || len(row.Source) < len(tt.wantWidgetSource) || row.Source[:len(tt.wantWidgetSource)] != tt.wantWidgetSource {
				t.Errorf("overview row: got %+v, want value %q from %q", row, tt.wantWidget, tt.wantWidgetSource)
			}
		})
	}
}
