// An Argo CD-style run of health_test.yaml suites with gopher-lua, for comparison with
// `herald lua test --scripts` (see BENCHMARKS.md, "Lua start-up"). Like Argo CD's own test
// harness, every case reads and parses its input, creates a fresh Lua state with the base,
// table, string, math and os libraries, compiles the health.lua beside the suite and runs it
// under a one-second deadline. It prints "N passed, N failed".
package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	lua "github.com/yuin/gopher-lua"
	"gopkg.in/yaml.v3"
)

type suite struct {
	Tests []struct {
		HealthStatus struct {
			Status  string `yaml:"status"`
			Message string `yaml:"message"`
		} `yaml:"healthStatus"`
		InputPath  string `yaml:"inputPath"`
		InputPath2 string `yaml:"inputpath"`
	} `yaml:"tests"`
}

func toLua(l *lua.LState, v interface{}) lua.LValue {
	switch x := v.(type) {
	case nil:
		return lua.LNil
	case bool:
		return lua.LBool(x)
	case int:
		return lua.LNumber(x)
	case int64:
		return lua.LNumber(x)
	case uint64:
		return lua.LNumber(x)
	case float64:
		return lua.LNumber(x)
	case string:
		return lua.LString(x)
	case []interface{}:
		t := l.CreateTable(len(x), 0)
		for _, item := range x {
			t.Append(toLua(l, item))
		}
		return t
	case map[string]interface{}:
		t := l.CreateTable(0, len(x))
		for k, item := range x {
			t.RawSetString(k, toLua(l, item))
		}
		return t
	default:
		return lua.LString(fmt.Sprint(x))
	}
}

func newState() *lua.LState {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
		{lua.OsLibName, lua.OpenOs},
	} {
		l.Push(l.NewFunction(lib.open))
		l.Push(lua.LString(lib.name))
		l.Call(1, 0)
	}
	return l
}

func runCase(script string, obj interface{}) (string, string, error) {
	l := newState()
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", toLua(l, obj))
	if err := l.DoString(script); err != nil {
		return "", "", err
	}
	t, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		return "", "", fmt.Errorf("no table returned")
	}
	return lua.LVAsString(t.RawGetString("status")), lua.LVAsString(t.RawGetString("message")), nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: lua-gopher DIR")
		os.Exit(2)
	}
	var suites []string
	filepath.WalkDir(os.Args[1], func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Name() == "health_test.yaml" {
			suites = append(suites, p)
		}
		return nil
	})
	sort.Strings(suites)
	passed, failed := 0, 0
	for _, path := range suites {
		text, err := os.ReadFile(path)
		if err != nil {
			panic(err)
		}
		var s suite
		if err := yaml.Unmarshal(text, &s); err != nil {
			panic(err)
		}
		dir := filepath.Dir(path)
		for _, c := range s.Tests {
			if c.InputPath == "" {
				c.InputPath = c.InputPath2
			}
			// Argo CD's harness reads the script for every case.
			script, err := os.ReadFile(filepath.Join(dir, "health.lua"))
			if err != nil {
				panic(err)
			}
			input, err := os.ReadFile(filepath.Join(dir, c.InputPath))
			if err != nil {
				failed++
				continue
			}
			var obj map[string]interface{}
			if err := yaml.Unmarshal(input, &obj); err != nil {
				// yaml.v3 refuses duplicate keys, which a few inputs have.
				failed++
				continue
			}
			status, message, err := runCase(string(script), obj)
			if err == nil && status == c.HealthStatus.Status && message == c.HealthStatus.Message {
				passed++
			} else {
				failed++
			}
		}
	}
	fmt.Printf("%d passed, %d failed\n", passed, failed)
}
