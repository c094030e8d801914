package app

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"kaowu"
	"kaowu/internal/pdf"
	"kaowu/internal/store"
	"kaowu/policy"
)

// TicketClause is the notice clause of the admission tickets (四).
const TicketClause = "四"

// TicketIssue says what one issue of ticket numbers did.
type TicketIssue struct {
	Issued   int // tickets issued now
	Had      int // seated candidates who had their ticket already
	Unseated int // paid candidates without a seat: no ticket until seated
}

// IssueTickets gives every seated, paid candidate of the actor's site a
// ticket number (准考证号, kaowu.TicketNo: numbered per specialty in the
// order of rooms and seats) and an archive number (档案号, 七: last year's
// when the candidate carries passed subjects over, else a new one), and
// makes the application ticketed. A number once issued never changes;
// issuing again gives numbers only to those without. Each candidate's
// ticket, state change and audit row are written together, 500 candidates
// to a transaction (one statement each for the 500).
func (a *App) IssueTickets(ctx context.Context, actor Actor, askedSite string) (TicketIssue, error) {
	var rep TicketIssue
	site, y, err := a.OfficeSite(ctx, actor, askedSite)
	if err != nil {
		return rep, err
	}
	if site.AreaCode == "" {
		return rep, kaowu.Errorf(kaowu.EINVALID, "%d年度数据中%s没有行政区划代码（area_code），无法编制准考证号：请考区在考试年度数据中补充后重试", y.Year, site.Name)
	}
	cands, err := a.Store.SeatingCandidates(ctx, y.Year, site.Code)
	if err != nil {
		return rep, err
	}
	seats, err := a.Store.Assignments(ctx, y.Year, site.Code)
	if err != nil {
		return rep, err
	}
	rooms, err := a.Rooms(ctx, actor, site.Code)
	if err != nil {
		return rep, err
	}
	byApp := map[string]store.SeatingCandidate{}
	for _, c := range cands {
		byApp[c.ApplicationID] = c
	}
	seated := map[string]bool{}
	// Rooms in the order people read them (venue, room), then day and seat.
	order := map[string]int{}
	for i, r := range rooms.Rooms {
		order[r.ID] = i
	}
	slices.SortStableFunc(seats, func(p, q kaowu.SeatAssignment) int {
		if d := order[p.RoomID] - order[q.RoomID]; d != 0 {
			return d
		}
		if c := strings.Compare(p.Day.String(), q.Day.String()); c != 0 {
			return c
		}
		return p.Seat - q.Seat
	})
	var todo []store.SeatingCandidate
	for _, s := range seats {
		c, ok := byApp[s.ApplicationID]
		if !ok {
			continue
		}
		seated[s.ApplicationID] = true
		if c.State == kaowu.StateTicketed {
			rep.Had++
			continue
		}
		todo = append(todo, c)
	}
	rep.Unseated = len(cands) - len(seated)
	prefix := fmt.Sprintf("%d-%s-", y.Year, site.AreaCode)
	for len(todo) > 0 {
		chunk := todo[:min(len(todo), 500)]
		todo = todo[len(chunk):]
		archives, err := a.previousArchives(ctx, y, chunk)
		if err != nil {
			return rep, err
		}
		now := a.Clock.Now()
		issued := 0
		err = a.Store.Update(ctx, func(tx *store.Tx) error {
			// One issue at a time per site: the next reads the numbers
			// this one gave, and skips whom it ticketed.
			if err := tx.Lock(ctx, "tickets:"+site.Code); err != nil {
				return err
			}
			seqs, archiveSeq, err := tx.TicketSeqs(ctx, y.Year, site.Code, prefix)
			if err != nil {
				return err
			}
			ids := make([]string, len(chunk))
			for i, c := range chunk {
				ids[i] = c.ApplicationID
			}
			had, err := tx.Ticketed(ctx, ids)
			if err != nil {
				return err
			}
			var tickets []kaowu.Ticket
			var moved []string
			var audits []kaowu.AuditEntry
			for _, c := range chunk {
				if had[c.ApplicationID] {
					continue
				}
				seqs[c.Specialty]++
				t := kaowu.Ticket{ApplicationID: c.ApplicationID, Year: y.Year, Site: site.Code, Specialty: c.Specialty, Seq: seqs[c.Specialty],
					TicketNo: kaowu.TicketNo(y.Year, site.AreaCode, c.Specialty, seqs[c.Specialty]), ArchiveNo: archives[c.ApplicationID], IssuedAt: now}
				if t.ArchiveNo == "" {
					archiveSeq++
					t.ArchiveNo = kaowu.ArchiveNo(y.Year, site.AreaCode, archiveSeq)
				}
				tickets, moved = append(tickets, t), append(moved, c.ApplicationID)
				audits = append(audits, kaowu.AuditEntry{At: now, Actor: actor.Username, Role: actor.Role, Action: "ticket.issue", Object: c.ApplicationID,
					Detail: fmt.Sprintf("生成准考证号 %s，档案号 %s", t.TicketNo, t.ArchiveNo)})
			}
			issued = len(tickets)
			if err := tx.InsertTickets(ctx, tickets); err != nil {
				return err
			}
			if err := tx.SetApplicationStates(ctx, moved, kaowu.StatePaid, kaowu.StateTicketed, now); err != nil {
				return err
			}
			return tx.AppendAudits(ctx, audits)
		})
		if err != nil {
			return rep, fmt.Errorf("issue tickets of %s: %w", site.Code, err)
		}
		rep.Issued += issued
		rep.Had += len(chunk) - issued
	}
	return rep, nil
}

// previousArchives returns, for the candidates among cands who sit the
// subjects still to pass of last year's specialty (their decision carried
// passes over, 七, 一（十）), last year's archive number, by application
// (原档案号): from the record under their ID document, or the record a
// score merge linked.
func (a *App) previousArchives(ctx context.Context, y *policy.Year, cands []store.SeatingCandidate) (map[string]string, error) {
	out := map[string]string{}
	for _, c := range cands {
		if c.Version == 0 {
			continue
		}
		b, err := a.Store.VersionSnapshot(ctx, c.ApplicationID, c.Version)
		if err != nil {
			return nil, err
		}
		var snap FormSnapshot
		if err := json.Unmarshal(b, &snap); err != nil {
			return nil, fmt.Errorf("snapshot of %s: %w", c.ApplicationID, err)
		}
		if len(snap.Decision.CarriedOver) == 0 {
			continue
		}
		rec, err := a.Store.PreviousRecordByID(ctx, y.Year-1, snap.IDType, kaowu.IDNumber(snap.IDNumber))
		if err == nil {
			out[c.ApplicationID] = rec.ArchiveNo
			continue
		}
		if kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
			return nil, err
		}
		m, err := a.Store.ScoreMergeOf(ctx, c.CandidateID, y.Year-1)
		switch {
		case err == nil:
			out[c.ApplicationID] = kaowu.NormalizeArchiveNo(m.ArchiveNo)
		case kaowu.ErrorCode(err) != kaowu.ENOTFOUND:
			return nil, err
		}
	}
	return out, nil
}

const ticketKeySetting = "ticket_ed25519_seed"

// ticketKey returns the key that signs the tickets' QR codes: an Ed25519
// key made once and shared by every process through the database. The
// entrance staff verify with its public key alone, offline.
func (a *App) ticketKey(ctx context.Context) (ed25519.PrivateKey, error) {
	a.mu.Lock()
	k := a.ticketSigner
	a.mu.Unlock()
	if k != nil {
		return k, nil
	}
	fresh := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	var v string
	err := a.Store.Update(ctx, func(tx *store.Tx) error {
		var err error
		v, err = tx.SeedSetting(ctx, ticketKeySetting, hex.EncodeToString(fresh))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ticket key: %w", err)
	}
	seed, err := hex.DecodeString(v)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("ticket key: stored seed is not %d hex bytes", ed25519.SeedSize)
	}
	k = ed25519.NewKeyFromSeed(seed)
	a.mu.Lock()
	a.ticketSigner = k
	a.mu.Unlock()
	return k, nil
}

// TicketPublicKey returns the public key that verifies the tickets' QR
// codes, for the entrance staff's page and devices.
func (a *App) TicketPublicKey(ctx context.Context) (ed25519.PublicKey, error) {
	k, err := a.ticketKey(ctx)
	if err != nil {
		return nil, err
	}
	return k.Public().(ed25519.PublicKey), nil
}

// TicketQR is what a ticket's QR code carries, signed: enough for the
// entrance staff to match the person and send them to their room, offline.
type TicketQR struct {
	TicketNo  string       `json:"ticket_no"`
	Name      string       `json:"name"`
	IDNumber  string       `json:"id_number"` // masked
	Specialty string       `json:"specialty"`
	Days      []kaowu.Date `json:"days"`
	Venue     string       `json:"venue"`
	Room      string       `json:"room"`
	Seat      int          `json:"seat"`
}

// ticketQRPrefix starts every ticket QR payload:
// KT1|ticket no|name|masked ID|specialty|days (YYYYMMDD, comma-separated)|venue|room|seat|signature,
// the signature being Ed25519 over everything before its "|", in
// unpadded base64url.
const ticketQRPrefix = "KT1"

func qrField(s string) string { return strings.ReplaceAll(s, "|", "｜") }

// encode returns the signed payload.
func (q TicketQR) encode(key ed25519.PrivateKey) string {
	days := make([]string, len(q.Days))
	for i, d := range q.Days {
		days[i] = fmt.Sprintf("%04d%02d%02d", d.Year, d.Month, d.Day)
	}
	return signFields(key, ticketQRPrefix, q.TicketNo, q.Name, q.IDNumber, q.Specialty, strings.Join(days, ","), q.Venue, q.Room, strconv.Itoa(q.Seat))
}

// signFields joins prefix and fields with "|" (a "|" inside a field
// becomes "｜") and appends the Ed25519 signature of it, unpadded
// base64url.
func signFields(key ed25519.PrivateKey, prefix string, fields ...string) string {
	parts := append([]string{prefix}, fields...)
	for i := 1; i < len(parts); i++ {
		parts[i] = qrField(parts[i])
	}
	msg := strings.Join(parts, "|")
	return msg + "|" + base64.RawURLEncoding.EncodeToString(ed25519.Sign(key, []byte(msg)))
}

// verifyFields checks a payload signed by signFields with prefix and n
// fields after it, and returns its parts (prefix first).
func verifyFields(pub ed25519.PublicKey, prefix, payload string, n int) ([]string, bool) {
	payload = strings.TrimSpace(payload)
	i := strings.LastIndexByte(payload, '|')
	if i < 0 || !strings.HasPrefix(payload, prefix+"|") {
		return nil, false
	}
	sig, err := base64.RawURLEncoding.DecodeString(payload[i+1:])
	if err != nil || !ed25519.Verify(pub, []byte(payload[:i]), sig) {
		return nil, false
	}
	f := strings.Split(payload[:i], "|")
	return f, len(f) == n
}

// TicketCheck is the result of checking a ticket's QR code at the
// entrance.
type TicketCheck struct {
	Valid    bool     // signed by kaowu's key
	Ticket   TicketQR // what it says, when valid
	Today    bool     // one of its days is today (Beijing time)
	Message  string   // in Chinese: 有效 / 不是今天的考试 / 无效
	Problems []string `json:",omitempty"`
}

// VerifyTicketQR checks a ticket QR payload against the public key alone
// (what the entrance page does offline) and says whether its exam is
// today.
func VerifyTicketQR(pub ed25519.PublicKey, payload string, now time.Time) TicketCheck {
	bad := TicketCheck{Message: "无效：不是本考点签发的准考证，或内容被改动。请核对证件，并联系考点工作人员"}
	f, ok := verifyFields(pub, ticketQRPrefix, payload, 9)
	if !ok {
		return bad
	}
	seat, err := strconv.Atoi(f[8])
	if err != nil {
		return bad
	}
	q := TicketQR{TicketNo: f[1], Name: f[2], IDNumber: f[3], Specialty: f[4], Venue: f[6], Room: f[7], Seat: seat}
	for _, d := range strings.Split(f[5], ",") {
		t, err := time.ParseInLocation("20060102", d, kaowu.Shanghai)
		if err != nil {
			return bad
		}
		q.Days = append(q.Days, kaowu.DateOf(t))
	}
	c := TicketCheck{Valid: true, Ticket: q}
	today := kaowu.DateOf(now.In(kaowu.Shanghai))
	c.Today = slices.Contains(q.Days, today)
	if c.Today {
		c.Message = "有效：今天的考试"
	} else {
		days := make([]string, len(q.Days))
		for i, d := range q.Days {
			days[i] = d.Chinese()
		}
		c.Message = "准考证有效，但不是今天的考试：考试日期为 " + strings.Join(days, "、")
	}
	return c
}

// ticketQR returns the signed QR payload of a ticket print.
func (a *App) ticketQR(ctx context.Context, y *policy.Year, p store.TicketPrint) (string, error) {
	key, err := a.ticketKey(ctx)
	if err != nil {
		return "", err
	}
	return TicketQR{TicketNo: p.Ticket.TicketNo, Name: p.Name, IDNumber: kaowu.MaskID(string(p.IDNumber)), Specialty: p.Specialty,
		Days: ticketDays(y, p), Venue: p.Venue.Name, Room: p.Room.Name, Seat: p.Seat.Seat}.encode(key), nil
}

// ticketDays returns the exam days of a seated candidate: their one
// computer-based day, or every paper day.
func ticketDays(y *policy.Year, p store.TicketPrint) []kaowu.Date {
	if !p.Seat.Day.IsZero() {
		return []kaowu.Date{p.Seat.Day}
	}
	return examDays(y)[kaowu.RoomPaper]
}

// ticketSessions returns the sessions a seated candidate sits (五): the
// four of their computer-based day, or the four paper sessions.
func ticketSessions(y *policy.Year, p store.TicketPrint) []kaowu.Session {
	mode := kaowu.ModeCBT
	if p.Room.Kind == kaowu.RoomPaper {
		mode = kaowu.ModePaper
	}
	var out []kaowu.Session
	for _, s := range y.Sessions {
		if s.Mode != mode {
			continue
		}
		if mode == kaowu.ModeCBT && kaowu.DateOf(s.Start.In(kaowu.Shanghai)) != p.Seat.Day {
			continue
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b kaowu.Session) int { return a.Start.Compare(b.Start) })
	return out
}

// ticketRules are the rules printed on every ticket (考生须知), each citing
// the clause it carries out where the notice says it.
func ticketRules(p store.TicketPrint) []string {
	rules := []string{
		"本准考证是参加考试的凭证（四），请妥善保管；成绩查询时须使用准考证号和有效证件号码（六）。",
		"请携带本准考证和报名时使用的有效身份证件原件，于每科考试开始前 30 分钟到达考场，经核验后入场；证件不全者不得入场。",
		"请按本准考证所列日期、时间、考场和座位号参加考试（五）；座位号即计算机考场的机位号。",
		"考场内不得携带手机、智能手表等通讯和电子设备，以及书籍、资料；已带入的须关机后放在指定位置。",
		"请提前了解考试地点和乘车路线，合理安排出行；考试当天请留意考点发布的通知。",
	}
	if p.MilitaryUnit != "" {
		rules = append(rules, "军队考生参加考试必须持本人有效期内的居民身份证或临时身份证（二（三）4）。")
	}
	return rules
}

// ticketData is what a ticket PDF prints for one seated candidate.
func (a *App) ticketData(ctx context.Context, y *policy.Year, p store.TicketPrint, now time.Time) (pdf.TicketData, error) {
	qr, err := a.ticketQR(ctx, y, p)
	if err != nil {
		return pdf.TicketData{}, err
	}
	sp, _ := y.Specialty(p.Specialty)
	site, _ := y.Site(p.Ticket.Site)
	t := pdf.TicketData{Year: y.Year, TicketNo: p.Ticket.TicketNo, ArchiveNo: p.Ticket.ArchiveNo, Name: p.Name, IDType: p.IDType.Label(),
		IDNumber: kaowu.MaskID(string(p.IDNumber)), Photo: p.Photo, SpecialtyCode: sp.Code, SpecialtyName: sp.Name, LevelLabel: sp.Level.Label(),
		Mode: sp.Mode.Label(), Site: site.Name, Venue: p.Venue.Name, Address: p.Venue.Address, Directions: p.Venue.Directions,
		Rules: ticketRules(p), QR: qr, Issued: now.In(kaowu.Shanghai).Format("2006年1月2日 15:04") + " 打印"}
	if p.PhotoPurged {
		t.PhotoNote = PhotoPurgedNote
	}
	for _, s := range ticketSessions(y, p) {
		start, end := s.Start.In(kaowu.Shanghai), s.End.In(kaowu.Shanghai)
		t.Sessions = append(t.Sessions, pdf.TicketSession{Subject: s.Subject.Label(), Date: kaowu.DateOf(start).Chinese(),
			Time: start.Format("15:04") + "—" + end.Format("15:04"), Room: p.Room.Name, Seat: strconv.Itoa(p.Seat.Seat)})
	}
	return t, nil
}

// TicketView is the candidate's ticket as their page shows it.
type TicketView struct {
	Application kaowu.Application
	Year        *policy.Year
	Window      kaowu.Window
	Printable   bool // inside the window and ticketed
	Ticket      *kaowu.Ticket
	Venue       kaowu.Venue
	Room        kaowu.Room
	Seat        kaowu.SeatAssignment
	Sessions    []kaowu.Session
}

// MyTicket returns the actor's ticket: where and when they sit, and
// whether they may print it now (四: 2024-04-01 … 04-21). ENOTFOUND until
// it is issued.
func (a *App) MyTicket(ctx context.Context, actor Actor) (TicketView, error) {
	app, y, err := a.MyApplication(ctx, actor)
	if err != nil {
		return TicketView{}, err
	}
	v := TicketView{Application: app, Year: y}
	v.Window, _ = y.Window(kaowu.WindowTicketPrint)
	ps, err := a.Store.TicketPrints(ctx, store.TicketFilter{Year: app.Year, Site: app.Site, ApplicationID: app.ID})
	if err != nil {
		return v, err
	}
	if len(ps) == 0 {
		return v, kaowu.Errorf(kaowu.ENOTFOUND, "准考证尚未生成：考点编排考场后生成，请于%s登录打印（%s）", span(v.Window), v.Window.Clause)
	}
	p := ps[0]
	v.Ticket, v.Venue, v.Room, v.Seat, v.Sessions = &p.Ticket, p.Venue, p.Room, p.Seat, ticketSessions(y, p)
	v.Printable = app.State == kaowu.StateTicketed && v.Window.Open(a.Clock.Now())
	return v, nil
}

// span formats a window's days as 2024年4月1日至4月21日.
func span(w kaowu.Window) string {
	first, last := kaowu.DateOf(w.Start.In(kaowu.Shanghai)), w.LastDay()
	if first.Year == last.Year {
		return fmt.Sprintf("%s至%d月%d日", first.Chinese(), last.Month, last.Day)
	}
	return first.Chinese() + "至" + last.Chinese()
}

// MyTicketPDF returns the actor's admission ticket, only inside the
// printing window (四).
func (a *App) MyTicketPDF(ctx context.Context, actor Actor) ([]byte, error) {
	v, err := a.MyTicket(ctx, actor)
	if err != nil {
		return nil, err
	}
	if now := a.Clock.Now(); !v.Window.Open(now) {
		return nil, windowError(v.Window, now, "打印准考证")
	}
	if !v.Printable {
		return nil, kaowu.Errorf(kaowu.EFORBIDDEN, "当前报名状态为“%s”，不能打印准考证", v.Application.State.Label())
	}
	return a.ticketsPDF(ctx, v.Year, store.TicketFilter{Year: v.Application.Year, Site: v.Application.Site, ApplicationID: v.Application.ID}, nil)
}

// ticketsPDF renders the tickets the filter selects in one PDF, after a
// roster made by roster when it is not nil.
func (a *App) ticketsPDF(ctx context.Context, y *policy.Year, f store.TicketFilter, roster func([]store.TicketPrint) *pdf.TicketRoster) ([]byte, error) {
	f.WithPhotos = true
	ps, err := a.Store.TicketPrints(ctx, f)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, kaowu.Errorf(kaowu.ENOTFOUND, "没有已生成的准考证")
	}
	now := a.Clock.Now()
	ts := make([]pdf.TicketData, len(ps))
	for i, p := range ps {
		if ts[i], err = a.ticketData(ctx, y, p, now); err != nil {
			return nil, err
		}
	}
	var r *pdf.TicketRoster
	if roster != nil {
		r = roster(ps)
	}
	if len(ts) == 1 && r == nil {
		return pdf.Ticket(ts[0])
	}
	return pdf.Tickets(ts, r)
}

// OfficeTicketPDF returns one candidate's ticket for the site office, at
// any time (a candidate who lost theirs, a correction).
func (a *App) OfficeTicketPDF(ctx context.Context, actor Actor, applicationID string) ([]byte, error) {
	app, err := a.Store.Application(ctx, applicationID)
	if err != nil {
		return nil, notYours(err)
	}
	site, y, err := a.OfficeSite(ctx, actor, app.Site)
	if err != nil {
		return nil, err
	}
	if site.Code != app.Site {
		return nil, errNotYours()
	}
	b, err := a.ticketsPDF(ctx, y, store.TicketFilter{Year: app.Year, Site: app.Site, ApplicationID: app.ID}, nil)
	if err != nil {
		return nil, err
	}
	return b, a.Store.Update(ctx, func(tx *store.Tx) error {
		return a.audit(ctx, tx, actor, "ticket.print", app.ID, "考点打印准考证")
	})
}

// MilitaryTicketsPDF returns the tickets of one military unit's candidates
// at the actor's site as one PDF, after a roster to sign on collection
// (二（三）3: collected at the site on 04-07 and 04-08).
func (a *App) MilitaryTicketsPDF(ctx context.Context, actor Actor, askedSite, militaryUnit string) ([]byte, error) {
	site, y, err := a.OfficeSite(ctx, actor, askedSite)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(militaryUnit) == "" {
		return nil, kaowu.FieldError("military_unit", "请选择军队单位")
	}
	pick, _ := y.Window(kaowu.WindowMilitaryTickets)
	b, err := a.ticketsPDF(ctx, y, store.TicketFilter{Year: y.Year, Site: site.Code, MilitaryUnit: militaryUnit}, func(ps []store.TicketPrint) *pdf.TicketRoster {
		r := &pdf.TicketRoster{Title: fmt.Sprintf("%d年度卫生专业技术资格考试 军队考生准考证领取名单", y.Year),
			Lines: []string{"军队单位：" + militaryUnit, "考点：" + site.Name, fmt.Sprintf("领取时间：%s（%s）", span(pick), pick.Clause),
				fmt.Sprintf("共 %d 人。领取人核对后签字。", len(ps))},
			Header: []string{"序号", "准考证号", "姓名", "证件号码", "报考专业", "考场", "座位号", "领取人签字"}}
		for i, p := range ps {
			sp, _ := y.Specialty(p.Specialty)
			r.Rows = append(r.Rows, []string{strconv.Itoa(i + 1), p.Ticket.TicketNo, p.Name, kaowu.MaskID(string(p.IDNumber)),
				sp.Code + " " + sp.Name, p.Venue.Name + " " + p.Room.Name, strconv.Itoa(p.Seat.Seat), ""})
		}
		return r
	})
	if err != nil {
		return nil, err
	}
	return b, a.Store.Update(ctx, func(tx *store.Tx) error {
		return a.audit(ctx, tx, actor, "ticket.print_military", militaryUnit, "打印军队单位准考证及领取名单："+militaryUnit)
	})
}
