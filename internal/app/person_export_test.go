package app_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// personFixture is the retention fixture's 2024 year, with the records a
// person may also have: desk and review decisions, a refund, a score merge,
// a transfer from another province and a previous-year record.
func personFixture(t *testing.T, s *store.Store) *retentionFixture {
	t.Helper()
	ctx := context.Background()
	fx := newRetentionFixture(t, s)
	at := time.Date(2024, 1, 10, 9, 0, 0, 0, kaowu.Shanghai)
	err := s.Update(ctx, func(tx *store.Tx) error {
		if err := tx.InsertDeskDecision(ctx, &store.DeskDecision{ApplicationID: fx.oldApp.ID, Version: 1, Action: "confirm", Operator: "ret-site", At: at}); err != nil {
			return err
		}
		if err := tx.InsertReviewDecision(ctx, store.ReviewDecision{ApplicationID: fx.oldApp.ID, Decision: kaowu.StateApproved,
			Subjects: kaowu.Subjects, FeeFen: 20000, DecidedBy: "region", DecidedAt: at}); err != nil {
			return err
		}
		o, err := tx.OrderOf(ctx, fx.oldApp.ID)
		if err != nil {
			return err
		}
		ps, err := tx.PaymentsOf(ctx, o.ID)
		if err != nil {
			return err
		}
		if err := tx.InsertRefund(ctx, kaowu.Refund{OutRefundNo: "RF-RET-1", PaymentID: ps[0].ID, OrderID: o.ID, AmountFen: 100,
			Reason: "测试退款", RequestedBy: "ret-site", RequestedAt: at.Add(time.Hour)}); err != nil {
			return err
		}
		if err := tx.CreateScoreMerge(ctx, &store.ScoreMerge{UserID: fx.old.ID, PreviousYear: 2023, ArchiveNo: "2023110009999",
			Operator: "ret-site", EvidenceNote: "核验户籍证明", CreatedAt: at}); err != nil {
			return err
		}
		if err := tx.InsertTransferRecord(ctx, store.TransferRecord{CandidateID: fx.old.ID, Province: "河北省", Year: 2023, Specialty: "368",
			Results: []kaowu.SubjectResult{{Subject: kaowu.SubjectBasics, Sat: true, Score: 70, Passed: true}}, RecordedBy: "ret-site", RecordedAt: at}); err != nil {
			return err
		}
		_, err = tx.ReplacePreviousRecords(ctx, 2023, []kaowu.PreviousRecord{{Year: 2023, IDType: kaowu.IDResident, IDNumber: kaowu.IDNumber(resident(801)),
			Name: fx.old.Name, BirthDate: kaowu.NewDate(1988, 1, 1), ArchiveNo: "2023110001234", Region: "beijing", Site: "fengtai", SpecialtyCode: "368",
			Level: kaowu.LevelIntermediate, UnitName: "丰台留存测试医院", Source: "测试", ImportedAt: at,
			Results: []kaowu.SubjectResult{{Subject: kaowu.SubjectBasics, Sat: true, Score: 70, Passed: true}}}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return fx
}

// exported unpacks an export's ZIP: person.json decoded generically (what
// a person's tools see) and the other files by name.
func exported(t *testing.T, x *app.PersonExport) (map[string]any, string, map[string][]byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := x.WriteZIP(&buf); err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range z.File {
		r, _ := f.Open()
		b, _ := io.ReadAll(r)
		r.Close()
		files[f.Name] = b
	}
	if z.File[0].Name != "person.json" {
		t.Errorf("the ZIP starts with %s, want person.json", z.File[0].Name)
	}
	text := string(files["person.json"])
	var doc map[string]any
	if err := json.Unmarshal(files["person.json"], &doc); err != nil {
		t.Fatalf("person.json: %v", err)
	}
	if !strings.HasPrefix(text, "{\n  \"format\": \"kaowu.person/1\"") {
		t.Errorf("person.json is not indented JSON of the format: %.80s", text)
	}
	return doc, text, files
}

// jsonAt walks a decoded JSON document: keys of objects, indexes of lists.
func jsonAt(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%v: not an object at %q", path, k)
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("%v: no element %d", path, k)
			}
			v = l[k]
		}
	}
	return v
}

// TestExportPerson: everything kaowu holds about a person, section by
// section, their ID number in full, no secret, nobody else's data; the
// ZIP carries their photos and scans; the export is audited and logged
// with the ID number masked.
func TestExportPerson(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		fx := personFixture(t, s)
		var logs bytes.Buffer
		fx.a.Log = slog.New(kaowu.NewMaskingHandler(slog.NewTextHandler(&logs, nil)))
		x, err := fx.a.ExportPerson(ctx, actor(fx.old), fx.old.ID)
		if err != nil {
			t.Fatal(err)
		}
		doc, text, files := exported(t, x)
		full := resident(801)
		app0 := []any{"applications", 0}
		get := func(path ...any) any { return jsonAt(t, doc, path...) }
		str := func(path ...any) string { s, _ := get(path...).(string); return s }
		num := func(path ...any) float64 { f, _ := get(path...).(float64); return f }
		list := func(path ...any) []any { l, _ := get(path...).([]any); return l }

		t.Run("account", func(t *testing.T) {
			if str("account", "id") != fx.old.ID || str("account", "id_number") != full || str("account", "mobile") != "13912345678" ||
				str("account", "name") != fx.old.Name || str("account", "recovery_question") == "" || str("account", "id_type_label") != "居民身份证" {
				t.Errorf("account %v", get("account"))
			}
			for _, secret := range []string{"password", "hash", "$fast$"} {
				if strings.Contains(strings.ToLower(text), strings.ToLower(secret)) {
					t.Errorf("the export holds %q", secret)
				}
			}
		})
		t.Run("profile and unit", func(t *testing.T) {
			if str("profile", "education", 0, "school") != "首都医科大学" || str("unit", "name") != "丰台留存测试医院" || num("profile", "photo", "width") == 0 {
				t.Errorf("profile %v unit %v", get("profile"), get("unit"))
			}
		})
		t.Run("photo", func(t *testing.T) {
			name := str("photo", "file")
			if name != "photo.jpg" || len(files[name]) == 0 || int(num("photo", "bytes")) != len(files[name]) {
				t.Errorf("photo %v, %d bytes in the ZIP", get("photo"), len(files[name]))
			}
			stored, _, _ := s.Photo(ctx, fx.old.ID)
			if !bytes.Equal(files[name], stored) {
				t.Error("the ZIP's photo is not the stored one")
			}
		})
		t.Run("wechat", func(t *testing.T) {
			if str("wechat_binding", "openid") != "openid-ret-old" {
				t.Errorf("wechat %v", get("wechat_binding"))
			}
		})
		t.Run("applications and versions", func(t *testing.T) {
			if len(list("applications")) != 1 || str(append(app0, "id")...) != fx.oldApp.ID || num(append(app0, "year")...) != 2024 ||
				str(append(app0, "state")...) != "scored" {
				t.Fatalf("applications %v", get("applications"))
			}
			v := append(app0, "versions", 0)
			if num(append(v, "version")...) != 1 || str(append(v, "snapshot", "mobile")...) != "13912345678" ||
				str(append(v, "snapshot", "id_number")...) != full || str(append(v, "snapshot", "specialty", "code")...) != "368" {
				t.Errorf("version %v", get(v...))
			}
			if f := str(append(v, "photo", "file")...); !strings.HasPrefix(f, "applications/2024-"+fx.oldApp.ID+"/v1") || len(files[f]) == 0 {
				t.Errorf("version photo %q: %d bytes", f, len(files[f]))
			}
		})
		t.Run("desk and review decisions", func(t *testing.T) {
			if str(append(app0, "desk_decisions", 0, "action")...) != "confirm" || str(append(app0, "review_decision", "decision")...) != "approved" ||
				num(append(app0, "review_decision", "fee_fen")...) != 20000 {
				t.Errorf("decisions %v %v", get(append(app0, "desk_decisions")...), get(append(app0, "review_decision")...))
			}
		})
		t.Run("order, payments, refunds", func(t *testing.T) {
			o := append(app0, "order")
			if num(append(o, "amount_fen")...) != 20000 || str(append(o, "payment_attempts", 0, "out_trade_no")...) != "KW2024RET0000" ||
				str(append(o, "payments", 0, "transaction_id")...) != "4200KW2024RET0000" || str(append(o, "payments", 0, "disposition_label")...) != "已入账" ||
				str(append(o, "refunds", 0, "out_refund_no")...) != "RF-RET-1" {
				t.Errorf("order %v", get(o...))
			}
		})
		t.Run("ticket and seat", func(t *testing.T) {
			tk := append(app0, "ticket")
			if len(str(append(tk, "ticket", "ticket_no")...)) != 16 || num(append(tk, "seat", "seat")...) < 1 || str(append(tk, "room")...) == "" || str(append(tk, "venue")...) == "" {
				t.Errorf("ticket %v", get(tk...))
			}
		})
		t.Run("scores and result", func(t *testing.T) {
			sc := append(app0, "score")
			if num(append(sc, "scores", "basics")...) != 72 || num(append(sc, "scores", "practice")...) != 70 || get(append(sc, "passed")...) != true ||
				get(append(sc, "result", "rolling", "passed")...) != true {
				t.Errorf("score %v", get(sc...))
			}
			// Which file wrote them: the import has the audit entry, not the person.
			if str(append(sc, "import", "source")...) != "scores.csv" || str(append(sc, "import", "imported_by")...) == "" || str(append(sc, "import", "id")...) == "" {
				t.Errorf("score import %v", get(append(sc, "import")...))
			}
		})
		t.Run("change requests", func(t *testing.T) {
			c := []any{"change_requests", 0}
			if str(append(c, "id")...) != fx.change || str(append(c, "new_name")...) != "王改名" || str(append(c, "new_id_number")...) != full ||
				str(append(c, "status")...) != "rejected" || str(append(c, "decision_reason")...) != "证明材料不清晰" {
				t.Errorf("change request %v", get(c...))
			}
			if f := str(append(c, "evidence", "file")...); len(files[f]) == 0 {
				t.Errorf("evidence %q not in the ZIP", f)
			}
		})
		t.Run("merges, transfers, previous records", func(t *testing.T) {
			if str("score_merges", 0, "archive_no") != "2023110009999" || str("transfers", 0, "province") != "河北省" ||
				str("previous_records", 0, "archive_no") != "2023110001234" || str("previous_records", 0, "id_number") != full {
				t.Errorf("merges %v transfers %v previous %v", get("score_merges"), get("transfers"), get("previous_records"))
			}
		})
		t.Run("reminders", func(t *testing.T) {
			rs := list("reminders")
			kinds := map[string]bool{}
			for i := range rs {
				kinds[str("reminders", i, "kind")] = true
				if str("reminders", i, "user_id") != fx.old.ID {
					t.Errorf("someone else's reminder %v", rs[i])
				}
			}
			if !kinds["application.submitted"] {
				t.Errorf("reminders %v", kinds)
			}
		})
		t.Run("audit", func(t *testing.T) {
			actions := map[string]bool{}
			for i := range list("audit") {
				actions[str("audit", i, "action")] = true
			}
			for _, w := range []string{"account.register", "wechat.bind", "profile.save", "profile.photo", "application.submit", "change_request.reject", "change_request.submit"} {
				if !actions[w] {
					t.Errorf("audit lacks %s: %v", w, actions)
				}
			}
			if strings.Contains(text, "score.publish") || strings.Contains(text, "seating.run") {
				t.Error("the audit section holds entries about others (the site, the year)")
			}
		})
		t.Run("nobody else's data", func(t *testing.T) {
			for _, other := range []string{resident(802), fx.again.ID, fx.againApp.ID, "ret-again"} {
				if strings.Contains(text, other) {
					t.Errorf("the export holds %q, another person's", other)
				}
			}
		})
		t.Run("audited and logged masked", func(t *testing.T) {
			es, _ := s.AuditOf(ctx, fx.old.ID)
			last := es[len(es)-1]
			if last.Action != "person.export" || last.Actor != "ret-old" || strings.Contains(last.Detail, full) || !strings.Contains(last.Detail, kaowu.MaskID(full)) {
				t.Errorf("audit row %+v", last)
			}
			if !strings.Contains(logs.String(), "personal data exported") || strings.Contains(logs.String(), full) {
				t.Errorf("log %q", logs.String())
			}
		})
	})
}

// TestExportPersonAccess: a candidate exports only their own data; an
// administrator (the command line) anyone's; other staff nobody's.
func TestExportPersonAccess(t *testing.T) {
	s := storetest.SQLite(t)
	ctx := context.Background()
	a, _ := newApp(t, s)
	me := register(t, a, "exp-me", 811)
	other := register(t, a, "exp-other", 812)
	if _, err := a.ExportPerson(ctx, actor(me), me.ID); err != nil {
		t.Errorf("own export: %v", err)
	}
	// Someone else's account is refused exactly like one that does not exist.
	_, missing := a.ExportPerson(ctx, actor(me), store.NewID())
	if missing == nil {
		t.Fatal("a missing account exported")
	}
	if _, err := a.ExportPerson(ctx, actor(me), other.ID); err == nil || kaowu.ErrorMessage(err) != kaowu.ErrorMessage(missing) || kaowu.ErrorCode(err) != kaowu.ErrorCode(missing) {
		t.Errorf("another's export: %v, want as for a missing one: %v", err, missing)
	}
	for _, role := range []kaowu.Role{kaowu.RoleSiteStaff, kaowu.RoleRegionStaff, kaowu.RoleUnitHR} {
		if _, err := a.ExportPerson(ctx, app.Actor{Username: "staff", Role: role}, me.ID); kaowu.ErrorCode(err) != kaowu.ErrorCode(missing) {
			t.Errorf("%s exported: %v", role, err)
		}
	}
	x, err := a.ExportPerson(ctx, app.Actor{Username: "cli:root", Role: kaowu.RoleAdmin}, other.ID)
	if err != nil || x.Account.ID != other.ID || x.Photo != nil || len(x.Apps) != 0 {
		t.Errorf("admin export of a new account: %+v %v", x, err)
	}
	// A purged person's export says so and carries no photo.
	clock := a.Clock.(*kaowu.ManualClock)
	clock.Set(retentionEnds)
	if _, err := a.PurgePersonalData(ctx, clock.Now()); err != nil {
		t.Fatal(err)
	}
	x, err = a.ExportPerson(ctx, actor(me), me.ID)
	if err != nil || x.Account.Mobile != "" || x.Account.PurgedAt == nil || x.Photo != nil {
		t.Errorf("export after the purge: %+v %v", x.Account, err)
	}
}
