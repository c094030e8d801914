package bench

import (
	"net/http"
	"strings"
)

// bareBody is the fixed answer of Bare: JSON of the size and shape of a
// score look-up's answer (about 1.6 kB), so that the limit compares with
// the API the tool measures against it.
var bareBody = []byte(`{"year":2024,"ticket_no":"2411010636800001","name":"张三","id_number":"110105********002X","specialty_code":"368",` +
	`"specialty_name":"护理学","level":"中级","pass_score":60,"max_score":100,"subjects":[` +
	strings.TrimSuffix(strings.Repeat(`{"subject":"basics","label":"基础知识","sat":true,"score":72,"passed":true},`, 4), ",") +
	`],"misconduct":false,"rolling":{"year":2024,"specialty":"368","from":2023,"to":2024,"passed":true,"subjects":[` +
	strings.TrimSuffix(strings.Repeat(`{"subject":"basics","clause":"七","text":"2024年度 72 分合格，有效至2025年度（七）。"},`, 4), ",") +
	`],"remaining":[],"next_remaining":[],"excluded":[],"reasons":[{"clause":"七","text":"考试合格：在连续两个考试年度内通过同一专业全部4个科目的考试（七）。"}]},` +
	`"certificate":"考试合格","archive_no":"2024-110106-0000001","rolling_clause":"七"}`)

// Bare returns a handler that answers every request with the same fixed
// JSON body: the machine's limit for an HTTP handler, measured with the
// same tool as kaowu's pages (`kaowu bench bare`, mix fixed).
func Bare() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(bareBody)
	})
}
