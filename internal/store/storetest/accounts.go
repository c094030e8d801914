package storetest

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/store"
)

// idNumber returns a valid resident ID number (GB 11643) for serial n.
func idNumber(n int) kaowu.IDNumber {
	s := fmt.Sprintf("1101051990010%04d", n%10000)
	return kaowu.IDNumber(s + string(kaowu.GBCheckChar(s)))
}

func candidate(username string, n int) kaowu.Account {
	return kaowu.Account{User: kaowu.User{Username: username, Name: "考生" + username, Role: kaowu.RoleCandidate, PasswordHash: "h", CreatedAt: t0},
		IDType: kaowu.IDResident, IDNumber: idNumber(n), Mobile: "13800000000", RecoveryQuestion: "q", RecoveryAnswerHash: "a"}
}

func create(t *testing.T, s *store.Store, a *kaowu.Account) {
	t.Helper()
	ctx := context.Background()
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateAccount(ctx, a) }); err != nil {
		t.Fatal(err)
	}
}

func testAccounts(t *testing.T, s *store.Store) {
	ctx := context.Background()
	a := candidate("acc-one", 1)
	create(t, s, &a)
	got, err := s.Account(ctx, a.ID)
	if err != nil || got.IDNumber != a.IDNumber || got.IDType != kaowu.IDResident || got.Mobile != a.Mobile || got.Deleted() || got.WeChatBound {
		t.Fatalf("account = %+v, %v", got, err)
	}
	for _, login := range []string{"acc-one", " ACC-ONE ", string(a.IDNumber), " " + string(a.IDNumber) + " "} {
		accs, err := s.AccountsByLogin(ctx, login)
		if err != nil || len(accs) != 1 || accs[0].ID != a.ID {
			t.Errorf("by login %q = %v, %v", login, accs, err)
		}
	}
	// Same ID document: conflict naming the ID; same username: conflict naming it.
	dupID := candidate("acc-two", 1)
	err = s.Update(ctx, func(tx *store.Tx) error { return tx.CreateAccount(ctx, &dupID) })
	if code(err) != kaowu.ECONFLICT || kaowu.ErrorFields(err)["id_number"] == "" {
		t.Errorf("duplicate id: %v", err)
	}
	dupName := candidate("acc-one", 2)
	err = s.Update(ctx, func(tx *store.Tx) error { return tx.CreateAccount(ctx, &dupName) })
	if code(err) != kaowu.ECONFLICT || kaowu.ErrorFields(err)["username"] == "" {
		t.Errorf("duplicate username: %v", err)
	}
	// The same number under another ID type is another document.
	other := candidate("acc-three", 1)
	other.IDType = kaowu.IDForeignPermanentResidence
	create(t, s, &other)
	// Staff without a document do not collide.
	for _, n := range []string{"staff-a", "staff-b"} {
		st := kaowu.Account{User: kaowu.User{Username: n, Name: n, Role: kaowu.RoleAdmin, PasswordHash: "h", CreatedAt: t0}}
		create(t, s, &st)
	}
	// Identity change onto a registered document is a conflict.
	err = s.Update(ctx, func(tx *store.Tx) error { return tx.SetIdentity(ctx, other.ID, "x", kaowu.IDResident, a.IDNumber) })
	if code(err) != kaowu.ECONFLICT {
		t.Errorf("identity onto a registered document: %v", err)
	}
	// Delete frees the document and the username.
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.DeleteAccount(ctx, a.ID, t0) }); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Account(ctx, a.ID); !got.Deleted() || got.IDNumber != "" {
		t.Errorf("deleted account = %+v", got)
	}
	again := candidate("acc-one", 1)
	create(t, s, &again)
}

func testConcurrentRegistration(t *testing.T, s *store.Store) {
	ctx := context.Background()
	const n = 60
	for _, c := range []struct {
		name string
		make func(i int) kaowu.Account
	}{
		{"same ID number", func(i int) kaowu.Account { return candidate(fmt.Sprintf("race-id-%d", i), 500) }},
		{"same username", func(i int) kaowu.Account { return candidate("race-name", 600+i) }},
	} {
		var wg sync.WaitGroup
		errs := make([]error, n)
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a := c.make(i)
				<-start
				errs[i] = s.Update(ctx, func(tx *store.Tx) error { return tx.CreateAccount(ctx, &a) })
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch code(err) {
			case "":
				ok++
			case kaowu.ECONFLICT:
			default:
				t.Errorf("%s: unexpected error %v", c.name, err)
			}
		}
		if ok != 1 {
			t.Errorf("%s: %d of %d registrations succeeded, want exactly 1", c.name, ok, n)
		}
	}
}

func testSessions(t *testing.T, s *store.Store) {
	ctx := context.Background()
	data := []byte{0, 1, 2, 0xff, '1', '2', 'e', '5'} // binary, and digits that must not become a number
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.PutSession(ctx, "tok", data, t0.Add(30*time.Minute)) }); err != nil {
		t.Fatal(err)
	}
	b, _, found, err := s.FindSession(ctx, "tok", t0.Add(29*time.Minute))
	if err != nil || !found || !bytes.Equal(b, data) {
		t.Fatalf("find = %v %v %v", b, found, err)
	}
	if _, _, found, _ := s.FindSession(ctx, "tok", t0.Add(30*time.Minute)); found {
		t.Error("an expired session was found")
	}
	if _, _, found, _ := s.FindSession(ctx, "nope", t0); found {
		t.Error("a missing session was found")
	}
	s.Update(ctx, func(tx *store.Tx) error { return tx.PutSession(ctx, "tok", []byte("new"), t0.Add(time.Hour)) })
	if b, _, _, _ := s.FindSession(ctx, "tok", t0.Add(45*time.Minute)); string(b) != "new" {
		t.Errorf("replaced session = %q", b)
	}
	var n int64
	s.Update(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.DeleteExpiredSessions(ctx, t0.Add(2*time.Hour))
		return err
	})
	if n != 1 {
		t.Errorf("deleted %d expired sessions, want 1", n)
	}
}

func testThrottles(t *testing.T, s *store.Store) {
	ctx := context.Background()
	rec := func(at time.Time) store.Throttle {
		t.Helper()
		var th store.Throttle
		err := s.Update(ctx, func(tx *store.Tx) error {
			var err error
			th, err = tx.RecordFailure(ctx, "k", at, 15*time.Minute, 3, 15*time.Minute)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return th
	}
	if th := rec(t0); th.Failures != 1 || !th.LockedUntil.IsZero() {
		t.Errorf("first = %+v", th)
	}
	rec(t0.Add(time.Minute))
	th := rec(t0.Add(2 * time.Minute))
	if th.Failures != 3 || !th.LockedUntil.Equal(t0.Add(17*time.Minute)) {
		t.Errorf("third = %+v, want locked until %v", th, t0.Add(17*time.Minute))
	}
	if got, _ := s.Throttle(ctx, "k"); !got.LockedUntil.Equal(t0.Add(17*time.Minute)) || got.Failures != 3 {
		t.Errorf("stored = %+v", got)
	}
	if th := rec(t0.Add(20 * time.Minute)); th.Failures != 1 {
		t.Errorf("after the window = %+v, want a new count", th)
	}
	s.Update(ctx, func(tx *store.Tx) error { return tx.ClearThrottle(ctx, "k") })
	if got, _ := s.Throttle(ctx, "k"); got.Failures != 0 {
		t.Errorf("cleared = %+v", got)
	}
}

func testProfilesAndPhotos(t *testing.T, s *store.Store) {
	ctx := context.Background()
	a := candidate("prof", 700)
	create(t, s, &a)
	u := kaowu.Unit{Name: "档案单位", District: "丰台区", Category: "clinic", CreatedAt: t0}
	s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUnit(ctx, &u) })
	empty, err := s.Profile(ctx, a.ID)
	if err != nil || !empty.UpdatedAt.IsZero() || empty.Unit != nil || empty.Photo != nil {
		t.Fatalf("empty profile = %+v, %v", empty, err)
	}
	p := kaowu.Profile{UserID: a.ID,
		Education: []kaowu.Education{{Level: "bachelor", Major: "护理学", School: "首都医科大学", GraduatedOn: kaowu.NewDate(2015, 7, 1), FullTime: true, Medical: true}},
		Work:      kaowu.Work{UnitID: u.ID, Post: "护理", PracticeRegisteredOn: kaowu.NewDate(2016, 3, 1), FileElsewhere: true, SocialInsuranceMonths: 6, HubeiAidAward: "provincial"},
		Titles:    []kaowu.HeldTitle{{Level: kaowu.LevelJunior, Specialty: "护理学", ObtainedOn: kaowu.NewDate(2018, 5, 20)}},
		Licences:  []kaowu.HeldLicence{{Kind: "nurse", ObtainedOn: kaowu.NewDate(2016, 1, 1)}},
		Posts:     []kaowu.PostChange{{On: kaowu.NewDate(2019, 1, 1), From: "内科护理", To: "外科护理"}},
	}
	for range 2 { // a second save replaces, not appends
		if err := s.Update(ctx, func(tx *store.Tx) error { return tx.PutProfile(ctx, p, t0) }); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Profile(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Education) != 1 || got.Education[0] != p.Education[0] || got.Work != p.Work || len(got.Titles) != 1 ||
		got.Titles[0] != p.Titles[0] || got.Licences[0] != p.Licences[0] || got.Posts[0] != p.Posts[0] ||
		got.Unit == nil || got.Unit.ID != u.ID || !got.UpdatedAt.Equal(t0) {
		t.Errorf("profile = %+v, want %+v", got, p)
	}
	jpeg := []byte{0xFF, 0xD8, 0, 1, 2, 0xFF, 0xD9}
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.PutPhoto(ctx, a.ID, jpeg, 295, 413, t0) }); err != nil {
		t.Fatal(err)
	}
	b, m, err := s.Photo(ctx, a.ID)
	if err != nil || !bytes.Equal(b, jpeg) || m.Width != 295 || m.Bytes != len(jpeg) {
		t.Errorf("photo = %v %+v %v", b, m, err)
	}
	if got, _ := s.Profile(ctx, a.ID); got.Photo == nil || got.Photo.Bytes != len(jpeg) {
		t.Errorf("profile photo metadata = %+v", got.Photo)
	}
}

func testWeChatBindings(t *testing.T, s *store.Store) {
	ctx := context.Background()
	a, b := candidate("wx-a", 800), candidate("wx-b", 801)
	create(t, s, &a)
	create(t, s, &b)
	bind := func(user, openid string) error {
		return s.Update(ctx, func(tx *store.Tx) error {
			return tx.BindWeChat(ctx, kaowu.WeChatBinding{UserID: user, OpenID: openid, BoundAt: t0})
		})
	}
	if err := bind(a.ID, "openid-1"); err != nil {
		t.Fatal(err)
	}
	if err := bind(b.ID, "openid-1"); code(err) != kaowu.ECONFLICT {
		t.Errorf("one WeChat identity on two accounts: %v", err)
	}
	if err := bind(a.ID, "openid-2"); code(err) != kaowu.ECONFLICT {
		t.Errorf("two WeChat identities on one account: %v", err)
	}
	if got, _ := s.Account(ctx, a.ID); !got.WeChatBound {
		t.Error("account does not show its binding")
	}
	if err := s.Update(ctx, func(tx *store.Tx) error { _, err := tx.UnbindWeChat(ctx, a.ID); return err }); err != nil {
		t.Fatal(err)
	}
	if err := bind(b.ID, "openid-1"); err != nil {
		t.Errorf("after unbinding, the identity may bind elsewhere: %v", err)
	}
}

func testChangeRequestsAndCodes(t *testing.T, s *store.Store) {
	ctx := context.Background()
	a := candidate("chg", 900)
	create(t, s, &a)
	c := kaowu.ChangeRequest{UserID: a.ID, Kind: kaowu.ChangeIdentity, NewName: "新名", NewIDType: kaowu.IDResident, NewIDNumber: idNumber(901),
		Reason: "更正姓名", Evidence: []byte{1, 2, 3}, CreatedAt: t0}
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateChangeRequest(ctx, &c) }); err != nil {
		t.Fatal(err)
	}
	c2 := c
	c2.ID = ""
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateChangeRequest(ctx, &c2) }); code(err) != kaowu.ECONFLICT {
		t.Errorf("second pending request: %v", err)
	}
	got, err := s.ChangeRequest(ctx, c.ID)
	if err != nil || !bytes.Equal(got.Evidence, c.Evidence) || got.NewIDNumber != c.NewIDNumber || got.Status != kaowu.ChangePending {
		t.Errorf("request = %+v, %v", got, err)
	}
	decide := func() error {
		return s.Update(ctx, func(tx *store.Tx) error {
			return tx.DecideChangeRequest(ctx, c.ID, kaowu.ChangeRejected, "fengtai", "材料不清", t0)
		})
	}
	if err := decide(); err != nil {
		t.Fatal(err)
	}
	if err := decide(); code(err) != kaowu.ECONFLICT {
		t.Errorf("deciding twice: %v", err)
	}
	if list, _ := s.ChangeRequests(ctx, kaowu.ChangeRejected, ""); len(list) != 1 || list[0].DecidedAt == nil {
		t.Errorf("rejected list = %+v", list)
	}

	use := func(hash string, at time.Time) bool {
		var ok bool
		s.Update(ctx, func(tx *store.Tx) error {
			var err error
			ok, err = tx.UseResetCode(ctx, a.ID, hash, at)
			return err
		})
		return ok
	}
	issue := func(hash string) {
		err := s.Update(ctx, func(tx *store.Tx) error {
			return tx.IssueResetCode(ctx, store.ResetCode{UserID: a.ID, CodeHash: hash, Method: "desk", IssuedBy: "fengtai", IssuedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	issue("h1")
	issue("h2")
	if use("h1", t0.Add(time.Hour)) {
		t.Error("a code retired by a newer one worked")
	}
	if use("h2", t0.Add(25*time.Hour)) {
		t.Error("an expired code worked")
	}
	if !use("h2", t0.Add(time.Hour)) || use("h2", t0.Add(time.Hour)) {
		t.Error("a code must work exactly once")
	}
}

func testAuditBeforeAfter(t *testing.T, s *store.Store) {
	ctx := context.Background()
	e := kaowu.AuditEntry{At: t0, Actor: "fengtai", Role: kaowu.RoleSiteStaff, Action: "x", Object: "obj-ba",
		Detail: "证件 11010519491231002X", Before: `{"id_number":"11010519491231002X"}`, After: `{"n":1}`}
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.AppendAudit(ctx, e) }); err != nil {
		t.Fatal(err)
	}
	got, err := s.AuditOf(ctx, "obj-ba")
	if err != nil || len(got) != 1 {
		t.Fatalf("audit of = %v, %v", got, err)
	}
	if got[0].Detail != "证件 110105********002X" || got[0].Before != `{"id_number":"110105********002X"}` || got[0].After != `{"n":1}` {
		t.Errorf("audit = %+v: ID numbers must be stored masked", got[0])
	}
}
