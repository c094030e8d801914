package storetest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"kaowu"
	"kaowu/internal/store"
	"kaowu/policy"
)

// Seeded describes what SeedLists made.
type Seeded struct {
	Applications int
	Candidates   int // with and without an application
	Units        int
	Payments     int
	Scores       int
	// Specialties are the codes the applications use, in turn.
	Specialties []string
	// States counts the applications by state.
	States map[kaowu.ApplicationState]int
}

// seedStates spreads the applications over the states: the state of
// application i is seedStates[i%100].
var seedStates = func() (out [100]kaowu.ApplicationState) {
	i := 0
	for _, span := range []struct {
		st kaowu.ApplicationState
		n  int
	}{{kaowu.StateDraft, 2}, {kaowu.StateSubmitted, 15}, {kaowu.StateReturned, 3}, {kaowu.StateVoid, 2}, {kaowu.StateConfirmed, 10},
		{kaowu.StateApproved, 5}, {kaowu.StateRejected, 3}, {kaowu.StatePaid, 15}, {kaowu.StateForfeited, 2}, {kaowu.StateTicketed, 10},
		{kaowu.StateScored, 33}} {
		for range span.n {
			out[i] = span.st
			i++
		}
	}
	return out
}()

var seedSurnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
var seedGiven = []string{"芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚",
	"桂英", "玥", "堃", "喆", "昇", "䶮", "𠮷", "犇", "淼", "海燕", "晓东", "建华", "志强", "雪梅", "春花", "文博", "子涵", "欣怡", "浩然", "雨萱"}

// seedName is candidate i's name: a surname and a given name, rare
// characters (生僻字) among them.
func seedName(i int) string {
	k := i + i/100 // not in step with the states (seedStates)
	return string(seedSurnames[k%len(seedSurnames)]) + seedGiven[(k/len(seedSurnames))%len(seedGiven)]
}

// SeedIDNumber is the resident ID number of seeded candidate i: a Fengtai
// number, unique for i below 1 000 000.
func SeedIDNumber(i int) kaowu.IDNumber {
	birth := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/1000)
	s := "110106" + birth.Format("20060102") + fmt.Sprintf("%03d", i%1000)
	return kaowu.IDNumber(s + string(kaowu.GBCheckChar(s)))
}

// SeedUsername is the username of seeded candidate i.
func SeedUsername(i int) string { return fmt.Sprintf("cand%07d", i) }

// SeedName is the name of seeded candidate i.
func SeedName(i int) string { return seedName(i) }

// seedUnitCategories are the 2024 unit categories, in turn.
var seedUnitCategories = []string{"direct_hospital", "direct_community", "fifth_medical_center", "garrison_hospital", "private_hospital",
	"other_community", "clinic"}

// SeedLists fills s, fast (COPY on PostgreSQL, one prepared insert in one
// transaction on SQLite), with n applications of exam year 2024 and what
// they bring, as the use cases would have left them: n/50 units (seven in
// ten in 丰台区, the rest in 朝阳区, of every category), their candidates
// (and n/20 more without an application), the applications spread over
// every state (seedStates) at the site of their unit's district, the
// desk's and the region's decisions, orders, payments (with duplicates
// refunded and held ones), tickets and scores. It is for tests and
// benchmarks of the lists: nothing is audited.
func SeedLists(tb testing.TB, s *store.Store, n int) Seeded {
	tb.Helper()
	ctx := context.Background()
	y, err := policy.Load(policy.Embedded()[2024])
	if err != nil {
		tb.Fatal(err)
	}
	var specs []kaowu.Specialty
	for _, sp := range y.Catalog {
		if sp.Status != kaowu.SpecialtyRemoved && len(specs) < 24 {
			specs = append(specs, sp)
		}
	}
	info := Seeded{Applications: n, States: map[kaowu.ApplicationState]int{}}
	for _, sp := range specs {
		info.Specialties = append(info.Specialties, sp.Code)
	}
	base := time.Date(2023, 11, 1, 1, 0, 0, 0, time.UTC)
	step := 33 * 24 * time.Hour / time.Duration(max(n, 1))
	nu := max(1, n/50)
	info.Units = nu
	tables := map[string][][]any{}
	add := func(table string, row ...any) { tables[table] = append(tables[table], row) }

	for j := range nu {
		district := "丰台区"
		if j%10 >= 7 {
			district = "朝阳区"
		}
		cat := seedUnitCategories[j%len(seedUnitCategories)]
		add("units", fmt.Sprintf("unit%06d", j), fmt.Sprintf("%s第%05d医疗机构", district, j), district, cat, cat == "private_hospital", base)
	}
	siteOf := map[string]string{"丰台区": "fengtai", "朝阳区": "chaoyang"}
	areaOf := map[string]string{"fengtai": "110106", "chaoyang": "110105"}
	seq := map[string]int{}
	extra := n / 20
	info.Candidates = n + extra
	for i := range n + extra {
		unit := i % nu
		district := "丰台区"
		if unit%10 >= 7 {
			district = "朝阳区"
		}
		created := base.Add(time.Duration(i) * step).Add(time.Duration(i%7) * time.Minute)
		add("users", fmt.Sprintf("c%07d", i), SeedUsername(i), seedName(i), "candidate", "x", fmt.Sprintf("unit%06d", unit), created,
			"resident_id", string(SeedIDNumber(i)))
		if i >= n {
			continue
		}
		st := seedStates[i%100]
		info.States[st]++
		sp := specs[i%len(specs)]
		site := siteOf[district]
		app := fmt.Sprintf("a%07d", i)
		version, submitted := 1, any(created.Add(3*time.Hour))
		if st == kaowu.StateDraft {
			version, submitted = 0, nil
		} else if i%11 == 0 {
			version = 2
		}
		outcome := "eligible"
		if i%7 == 0 {
			outcome = "review"
		}
		after := func(states ...kaowu.ApplicationState) bool {
			for _, x := range states {
				if st == x {
					return true
				}
			}
			return false
		}
		confirmed := after(kaowu.StateConfirmed, kaowu.StateApproved, kaowu.StateRejected, kaowu.StatePaid, kaowu.StateForfeited,
			kaowu.StateTicketed, kaowu.StateScored)
		auto := confirmed && i%13 == 0
		add("applications", app, fmt.Sprintf("c%07d", i), 2024, site, sp.Code, string(sp.Level), "{}", string(Stored(st)), version, outcome, auto,
			submitted, created, created.Add(4*time.Hour))
		// The desk's days (二（二）: 12-11 to 12-15), the region's review
		// after them.
		deskAt := time.Date(2023, 12, 11, 1, 30, 0, 0, time.UTC).Add(time.Duration(i%5)*24*time.Hour + time.Duration(i%300)*time.Minute)
		switch {
		case confirmed && !auto:
			add("desk_decisions", "d"+app, app, version, "confirm", "[]", "", "site", deskAt)
		case st == kaowu.StateReturned:
			add("desk_decisions", "d"+app, app, version, "return", `["unstamped"]`, "", "site", deskAt)
		}
		approved := after(kaowu.StateApproved, kaowu.StatePaid, kaowu.StateForfeited, kaowu.StateTicketed, kaowu.StateScored)
		decided := time.Date(2023, 12, 20, 2, 0, 0, 0, time.UTC).Add(time.Duration(i%15)*24*time.Hour + time.Duration(i%400)*time.Minute)
		switch {
		case approved:
			add("review_decisions", app, "approved", "", "", "basics,related,professional,practice", int64(20000), "region", decided)
		case st == kaowu.StateRejected:
			add("review_decisions", app, "rejected", "不符合报考条件", "一（四）", "", int64(0), "region", decided)
		}
		if !approved {
			continue
		}
		order := fmt.Sprintf("o%07d", i)
		add("orders", order, app, fmt.Sprintf("c%07d", i), 2024, "basics,related,professional,practice", int64(5000), int64(20000),
			time.Date(2024, 2, 8, 16, 0, 0, 0, time.UTC), decided)
		paidAt := time.Date(2024, 1, 29, 2, 0, 0, 0, time.UTC).Add(time.Duration(i) * (10 * 24 * time.Hour / time.Duration(max(n, 1))))
		pay := func(suffix string, amount int64, disposition string) {
			trade := "t" + suffix
			add("payment_attempts", trade, order, "weixin://wxpay/"+trade, paidAt.Add(-time.Minute), paidAt.Add(time.Hour))
			add("payments", "p"+suffix, fmt.Sprintf("42%014d%s", i, strings.TrimPrefix(suffix, fmt.Sprintf("%07d", i))), trade, order,
				amount, "openid", paidAt, "notify", disposition, "", paidAt.Add(time.Second))
			info.Payments++
		}
		if after(kaowu.StatePaid, kaowu.StateTicketed, kaowu.StateScored) {
			pay(fmt.Sprintf("%07d", i), 20000, "applied")
			if i%97 == 0 {
				pay(fmt.Sprintf("%07d-2", i), 20000, "duplicate")
				add("refunds", fmt.Sprintf("r%07d", i), fmt.Sprintf("p%07d-2", i), order, int64(20000), "重复支付", "system", paidAt.Add(time.Hour))
			}
		} else if st == kaowu.StateApproved && i%31 == 0 {
			pay(fmt.Sprintf("%07d", i), 100, "held")
		}
		if !after(kaowu.StateTicketed, kaowu.StateScored) {
			continue
		}
		k := site + sp.Code
		seq[k]++
		ticket := kaowu.TicketNo(2024, areaOf[site], sp.Code, seq[k])
		add("tickets", app, 2024, site, sp.Code, ticket, seq[k], fmt.Sprintf("2024-%s-%07d", areaOf[site], i), time.Date(2024, 3, 25, 2, 0, 0, 0, time.UTC))
		if st != kaowu.StateScored {
			continue
		}
		subject := func(k int) any {
			if (i+k)%17 == 0 {
				return nil // absent
			}
			return int64(40 + (i*7+k*13)%61)
		}
		b, r, p, pr := subject(0), subject(1), subject(2), subject(3)
		misconduct := i%211 == 0
		passed := !misconduct
		for _, x := range []any{b, r, p, pr} {
			if x == nil || x.(int64) < 60 {
				passed = false
			}
		}
		add("scores", app, 2024, site, ticket, sp.Code, b, r, p, pr, misconduct, passed, "{}", "seed", time.Date(2024, 6, 10, 2, 0, 0, 0, time.UTC))
		info.Scores++
	}

	for _, t := range []struct {
		table string
		cols  []string
	}{
		{"units", []string{"id", "name", "district", "unit_category", "private", "created_at"}},
		{"users", []string{"id", "username", "name", "role", "password_hash", "unit_id", "created_at", "id_type", "id_number"}},
		{"applications", []string{"id", "candidate_id", "year", "site", "specialty", "level", "declarations", "state", "version", "outcome",
			"auto_confirmed", "submitted_at", "created_at", "updated_at"}},
		{"desk_decisions", []string{"id", "application_id", "version", "action", "reasons", "note", "operator", "at"}},
		{"review_decisions", []string{"application_id", "decision", "reason", "clause", "subjects", "fee_fen", "decided_by", "decided_at"}},
		{"orders", []string{"id", "application_id", "candidate_id", "year", "subjects", "per_subject_fen", "amount_fen", "due_at", "created_at"}},
		{"payment_attempts", []string{"out_trade_no", "order_id", "code_url", "created_at", "expires_at"}},
		{"payments", []string{"id", "transaction_id", "out_trade_no", "order_id", "amount_fen", "payer", "paid_at", "source", "disposition", "note",
			"recorded_at"}},
		{"refunds", []string{"out_refund_no", "payment_id", "order_id", "amount_fen", "reason", "requested_by", "requested_at"}},
		{"tickets", []string{"application_id", "year", "site", "specialty", "ticket_no", "seq", "archive_no", "issued_at"}},
		{"scores", []string{"application_id", "year", "site", "ticket_no", "specialty", "basics", "related", "professional", "practice",
			"misconduct", "passed", "answer", "import_id", "updated_at"}},
	} {
		if err := insertAll(ctx, s, t.table, t.cols, tables[t.table]); err != nil {
			tb.Fatalf("seed %s: %v", t.table, err)
		}
	}
	// The planner's statistics, as autovacuum (PostgreSQL) and
	// PRAGMA optimize (SQLite) keep them in service.
	if _, err := s.SQLDB().ExecContext(ctx, `ANALYZE`); err != nil {
		tb.Fatal(err)
	}
	return info
}

// insertAll inserts rows into table: by COPY on PostgreSQL; on SQLite by
// one prepared statement in one transaction.
func insertAll(ctx context.Context, s *store.Store, table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	db := s.SQLDB()
	if s.Engine() == store.Postgres {
		conn, err := db.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		return conn.Raw(func(dc any) error {
			_, err := dc.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
			return err
		})
	}
	marks := make([]string, len(cols))
	for i := range cols {
		marks[i] = "$" + strconv.Itoa(i+1)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `INSERT INTO `+table+` (`+strings.Join(cols, ", ")+`) VALUES (`+strings.Join(marks, ", ")+`)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, r := range rows {
		if _, err := st.ExecContext(ctx, r...); err != nil {
			return err
		}
	}
	return tx.Commit()
}
