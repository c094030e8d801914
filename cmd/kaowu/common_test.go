package main

import (
	"slices"
	"strings"
	"testing"
)

func TestReplicaFlag(t *testing.T) {
	multi := "postgres://postgres@127.0.0.1:5441,127.0.0.1:5440/kaowu?target_session_attrs=prefer-standby"
	for _, c := range []struct {
		env  string
		args []string
		want []string
		err  string
	}{
		{args: nil, want: nil},
		{args: []string{"--db-read", "postgres://a/k"}, want: []string{"postgres://a/k"}},
		{args: []string{"--db-read", "postgres://a/k,postgresql://b/k", "--db-read", "postgres://c/k"}, want: []string{"postgres://a/k", "postgresql://b/k", "postgres://c/k"}},
		// A multi-host URL keeps its comma.
		{args: []string{"--db-read", multi + ",postgres://c/k"}, want: []string{multi, "postgres://c/k"}},
		{env: "postgres://e/k,postgres://f/k", want: []string{"postgres://e/k", "postgres://f/k"}},
		// The command line replaces the environment's list.
		{env: "postgres://e/k", args: []string{"--db-read", "postgres://a/k"}, want: []string{"postgres://a/k"}},
		{args: []string{"--db-read", "replica.db"}, err: "不是 postgres:// 连接串"},
	} {
		t.Setenv("KAOWU_DB_READ", c.env)
		if c.env == "" {
			t.Setenv("KAOWU_DB_READ", "")
		}
		var cm common
		fs := newFlags("serve", &env{stdout: &strings.Builder{}, stderr: &strings.Builder{}})
		cm.registerReplicas(fs)
		err := parseFlags(fs, c.args)
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%v: error %v, want %q", c.args, err, c.err)
			}
		case err != nil:
			t.Errorf("%v: %v", c.args, err)
		case !slices.Equal(cm.replicas.dsns, c.want):
			t.Errorf("env %q args %v: %q, want %q", c.env, c.args, cm.replicas.dsns, c.want)
		}
	}
}
