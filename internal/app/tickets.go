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
// to a transaction.
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
		err = a.Store.Update(ctx, func(tx *store.Tx) error {
			seqs, archiveSeq, err := tx.TicketSeqs(ctx, y.Year, site.Code, prefix)
			if err != nil {
				return err
			}
			for _, c := range chunk {
				seqs[c.Specialty]++
				t := kaowu.Ticket{ApplicationID: c.ApplicationID, Year: y.Year, Site: site.Code, Specialty: c.Specialty, Seq: seqs[c.Specialty],
					TicketNo: kaowu.TicketNo(y.Year, site.AreaCode, c.Specialty, seqs[c.Specialty]), ArchiveNo: archives[c.ApplicationID], IssuedAt: now}
				if t.ArchiveNo == "" {
					archiveSeq++
					t.ArchiveNo = kaowu.ArchiveNo(y.Year, site.AreaCode, archiveSeq)
				}
				if err := tx.InsertTicket(ctx, t); err != nil {
					return err
				}
				if err := tx.SetApplicationState(ctx, c.ApplicationID, kaowu.StatePaid, kaowu.StateTicketed, now); err != nil {
					return err
				}
				if err := a.audit(ctx, tx, actor, "ticket.issue", c.ApplicationID, fmt.Sprintf("生成准考证号 %s，档案号 %s", t.TicketNo, t.ArchiveNo)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return rep, fmt.Errorf("issue tickets of %s: %w", site.Code, err)
		}
		rep.Issued += len(chunk)
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
		app, err := a.Store.Application(ctx, c.ApplicationID)
		if err != nil {
			return nil, err
		}
		if app.Version == 0 {
			continue
		}
		v, err := a.Store.Version(ctx, app.ID, app.Version)
		if err != nil {
			return nil, err
		}
		var snap FormSnapshot
		if err := json.Unmarshal(v.Snapshot, &snap); err != nil {
			return nil, fmt.Errorf("snapshot of %s: %w", app.ID, err)
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
	msg := strings.Join([]string{ticketQRPrefix, qrField(q.TicketNo), qrField(q.Name), qrField(q.IDNumber), qrField(q.Specialty),
		strings.Join(days, ","), qrField(q.Venue), qrField(q.Room), strconv.Itoa(q.Seat)}, "|")
	return msg + "|" + base64.RawURLEncoding.EncodeToString(ed25519.Sign(key, []byte(msg)))
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
	payload = strings.TrimSpace(payload)
	i := strings.LastIndexByte(payload, '|')
	if i < 0 || !strings.HasPrefix(payload, ticketQRPrefix+"|") {
		return bad
	}
	sig, err := base64.RawURLEncoding.DecodeString(payload[i+1:])
	if err != nil || !ed25519.Verify(pub, []byte(payload[:i]), sig) {
		return bad
	}
	f := strings.Split(payload[:i], "|")
	if len(f) != 9 {
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
