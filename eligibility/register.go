package eligibility

import (
	_ "embed"
	"encoding/json"
	"sync"
)

//go:embed register.json
var registerJSON []byte

// ClauseUse is what the engine does with one clause of the notice: the rules
// that cite it (as named in traces) and how many test cases exercise it.
type ClauseUse struct {
	Rules []string `json:"rules"`
	Cases int      `json:"cases"`
}

var register = sync.OnceValue(func() map[string]ClauseUse {
	m := map[string]ClauseUse{}
	if err := json.Unmarshal(registerJSON, &m); err != nil {
		panic("eligibility: register.json: " + err.Error())
	}
	return m
})

// Register returns, by clause id, the engine's rules that cite the clause
// and the number of test cases that exercise it. It is generated from the
// cases by `go test ./eligibility -run TestRegister -update`, and the test
// fails when it is stale.
func Register() map[string]ClauseUse { return register() }
