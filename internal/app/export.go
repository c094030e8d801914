package app

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"

	"kaowu"
	"kaowu/internal/store"
)

// A person's data (个人信息查阅、复制, 《个人信息保护法》第四十五条): everything
// kaowu holds about one candidate, as one JSON document, or as a ZIP of that
// document and the person's photos and evidence scans. The ID number is
// written in full: the export is the person's own (logs and the audit row
// of the export mask it as everywhere else). Password and recovery answer
// hashes are never exported, nor the codes of desk resets.

// PersonFormat names the export's layout; a change of layout changes it.
const PersonFormat = "kaowu.person/1"

// PersonExport is everything kaowu holds about one person.
type PersonExport struct {
	Format     string    `json:"format"`
	ExportedAt time.Time `json:"exported_at"`
	Notice     string    `json:"notice"`

	Account PersonAccount         `json:"account"`
	Profile kaowu.Profile         `json:"profile"`
	Photo   *PersonFile           `json:"photo"`
	WeChat  *kaowu.WeChatBinding  `json:"wechat_binding"`
	Unit    *kaowu.Unit           `json:"unit,omitempty"`
	Apps    []PersonApplication   `json:"applications"`
	Changes []PersonChangeRequest `json:"change_requests"`
	Merges  []PersonScoreMerge    `json:"score_merges"`
	// Transfers are results from another province recorded for them (七).
	Transfers []PersonTransfer `json:"transfers"`
	// PreviousRecords are the records of earlier years imported under
	// their ID document (二（一）, 七).
	PreviousRecords []PersonPreviousRecord `json:"previous_records"`
	Reminders       []PersonReminder       `json:"reminders"`
	// Audit is every audit entry about their account, applications and
	// orders, oldest first, as stored (ID numbers masked).
	Audit []kaowu.AuditEntry `json:"audit"`

	// files are the ZIP's other entries, by name: photos and scans.
	files map[string][]byte
}

// PersonFile names a file of the ZIP that holds an image.
type PersonFile struct {
	File       string    `json:"file"` // the name inside the ZIP
	Bytes      int       `json:"bytes"`
	UploadedAt time.Time `json:"uploaded_at,omitzero"`
}

// PersonAccount is the account without its secrets.
type PersonAccount struct {
	ID               string       `json:"id"`
	Username         string       `json:"username"`
	Name             string       `json:"name"`
	Role             kaowu.Role   `json:"role"`
	IDType           kaowu.IDType `json:"id_type,omitempty"`
	IDTypeLabel      string       `json:"id_type_label,omitempty"`
	IDNumber         string       `json:"id_number,omitempty"` // in full: it is theirs
	Mobile           string       `json:"mobile"`
	RecoveryQuestion string       `json:"recovery_question"`
	CreatedAt        time.Time    `json:"created_at"`
	DeletedAt        *time.Time   `json:"deleted_at,omitempty"`
	// PurgedAt is when the retention purge deleted their photo and
	// contact details.
	PurgedAt *time.Time `json:"purged_at,omitempty"`
}

// PersonApplication is one application with all that hangs on it.
type PersonApplication struct {
	kaowu.Application
	PurgedAt      *time.Time           `json:"purged_at,omitempty"`
	Versions      []PersonVersion      `json:"versions"`
	DeskDecisions []store.DeskDecision `json:"desk_decisions"`
	Review        *PersonReview        `json:"review_decision"`
	Order         *PersonOrder         `json:"order"`
	Ticket        *PersonTicket        `json:"ticket"`
	Score         *PersonScore         `json:"score"`
}

// PersonVersion is one submitted version with its form snapshot.
type PersonVersion struct {
	Version     int             `json:"version"`
	SubmittedAt time.Time       `json:"submitted_at"`
	Outcome     string          `json:"outcome"`
	Digest      string          `json:"digest"`
	Snapshot    json.RawMessage `json:"snapshot"`
	Photo       *PersonFile     `json:"photo"`
}

// PersonReview is the region's eligibility review decision.
type PersonReview struct {
	Decision  kaowu.ApplicationState `json:"decision"`
	Reason    string                 `json:"reason,omitempty"`
	Clause    string                 `json:"clause,omitempty"`
	Subjects  []kaowu.Subject        `json:"subjects,omitempty"`
	FeeFen    int64                  `json:"fee_fen"`
	DecidedBy string                 `json:"decided_by"`
	DecidedAt time.Time              `json:"decided_at"`
}

// PersonOrder is the fee owed, the attempts to pay, the payments received
// and the refunds.
type PersonOrder struct {
	ID            string                `json:"id"`
	Subjects      []kaowu.Subject       `json:"subjects"`
	PerSubjectFen int64                 `json:"per_subject_fen"`
	AmountFen     int64                 `json:"amount_fen"`
	DueAt         time.Time             `json:"due_at"`
	CreatedAt     time.Time             `json:"created_at"`
	Attempts      []PersonPaymentTry    `json:"payment_attempts"`
	Payments      []PersonPaymentRecord `json:"payments"`
	Refunds       []PersonRefund        `json:"refunds"`
}

// PersonPaymentTry is one transaction opened with the payment provider.
type PersonPaymentTry struct {
	OutTradeNo string    `json:"out_trade_no"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// PersonPaymentRecord is money received.
type PersonPaymentRecord struct {
	ID            string                   `json:"id"`
	TransactionID string                   `json:"transaction_id"`
	OutTradeNo    string                   `json:"out_trade_no"`
	AmountFen     int64                    `json:"amount_fen"`
	Payer         string                   `json:"payer"`
	PaidAt        time.Time                `json:"paid_at"`
	Disposition   kaowu.PaymentDisposition `json:"disposition"`
	Label         string                   `json:"disposition_label"`
	Note          string                   `json:"note,omitempty"`
	RecordedAt    time.Time                `json:"recorded_at"`
}

// PersonRefund is money returned.
type PersonRefund struct {
	OutRefundNo string    `json:"out_refund_no"`
	PaymentID   string    `json:"payment_id"`
	AmountFen   int64     `json:"amount_fen"`
	Reason      string    `json:"reason"`
	RequestedBy string    `json:"requested_by"`
	RequestedAt time.Time `json:"requested_at"`
	Status      string    `json:"status"`
	RefundID    string    `json:"refund_id,omitempty"`
}

// PersonTicket is the admission ticket and the seat.
type PersonTicket struct {
	Ticket kaowu.Ticket         `json:"ticket"`
	Seat   kaowu.SeatAssignment `json:"seat"`
	Room   string               `json:"room"`
	Venue  string               `json:"venue"`
	// Address is the venue's address.
	Address string `json:"address,omitempty"`
}

// PersonScore is the year's scores and the look-up's answer (the two-year
// result).
type PersonScore struct {
	TicketNo   string          `json:"ticket_no"`
	Specialty  string          `json:"specialty"`
	Scores     map[string]*int `json:"scores"` // by subject; null: absent
	Misconduct bool            `json:"misconduct"`
	Passed     bool            `json:"passed"`
	Answer     json.RawMessage `json:"result"`
	UpdatedAt  time.Time       `json:"updated_at"`
	// Import is the result file that wrote these scores last (its audit
	// entry is the file's, score.import_file, not one of the person's).
	Import *PersonScoreImport `json:"import,omitempty"`
}

// PersonScoreImport is the import of a result file.
type PersonScoreImport struct {
	ID         string    `json:"id"`
	Source     string    `json:"source"`
	ImportedBy string    `json:"imported_by"`
	ImportedAt time.Time `json:"imported_at"`
}

// PersonChangeRequest is a registration change request with its evidence.
type PersonChangeRequest struct {
	kaowu.ChangeRequest
	NewIDNumber string      `json:"new_id_number,omitempty"` // in full: it is theirs
	Evidence    *PersonFile `json:"evidence"`
}

// PersonScoreMerge is a link of their account to an earlier year's record.
type PersonScoreMerge struct {
	PreviousYear int       `json:"previous_year"`
	ArchiveNo    string    `json:"archive_no"`
	Operator     string    `json:"operator"`
	EvidenceNote string    `json:"evidence_note"`
	CreatedAt    time.Time `json:"created_at"`
}

// PersonTransfer is a result from another province.
type PersonTransfer struct {
	Province   string                `json:"province"`
	Year       int                   `json:"year"`
	Specialty  string                `json:"specialty"`
	ArchiveNo  string                `json:"archive_no,omitempty"`
	Results    []kaowu.SubjectResult `json:"results"`
	Note       string                `json:"note,omitempty"`
	RecordedBy string                `json:"recorded_by"`
	RecordedAt time.Time             `json:"recorded_at"`
}

// PersonPreviousRecord is an earlier year's record under their ID.
type PersonPreviousRecord struct {
	kaowu.PreviousRecord
	IDNumber string `json:"id_number"` // in full: it is theirs
}

// PersonReminder is a reminder with its deliveries.
type PersonReminder struct {
	kaowu.Reminder
	Deliveries []PersonDelivery `json:"deliveries"`
}

// PersonDelivery is a reminder's delivery through a channel.
type PersonDelivery struct {
	Channel     string    `json:"channel"`
	Status      string    `json:"status"`
	Detail      string    `json:"detail,omitempty"`
	DeliveredAt time.Time `json:"delivered_at"`
}

const personNotice = "本文件是考务系统（kaowu）保存的您的全部个人信息（《个人信息保护法》第四十五条），" +
	"包括账号、基本信息、微信绑定、历年报名及各版本申报信息、现场确认和资格审核结论、缴费与退款、准考证与座位、成绩、" +
	"注册信息修改申请、待办提醒以及与您有关的操作日志；照片和证明材料在压缩包中另附。证件号码完整显示，请妥善保管。" +
	"密码和密码找回答案只以不可还原的摘要保存，不在其中。"

// ExportPerson returns everything kaowu holds about the candidate with
// account id candidateID: for the candidate themself, or an administrator
// (the operator at the command line, kaowu export-person). It appends an
// audit row.
func (a *App) ExportPerson(ctx context.Context, actor Actor, candidateID string) (*PersonExport, error) {
	acc, err := a.Store.Account(ctx, candidateID)
	if err != nil {
		return nil, notYours(err)
	}
	if actor.Role != kaowu.RoleAdmin && (actor.Role != kaowu.RoleCandidate || actor.Username != acc.Username) {
		return nil, errNotYours()
	}
	if acc.Role != kaowu.RoleCandidate {
		return nil, kaowu.Errorf(kaowu.EINVALID, "只能导出考生的个人信息")
	}
	x, err := a.personExport(ctx, acc)
	if err != nil {
		return nil, fmt.Errorf("export person: %w", err)
	}
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		return a.audit(ctx, tx, actor, "person.export", acc.ID,
			fmt.Sprintf("导出个人信息（%s %s）：报名 %d 份，注册信息修改申请 %d 份，日志 %d 条", acc.Name, acc.IDNumber.String(), len(x.Apps), len(x.Changes), len(x.Audit)))
	})
	if err != nil {
		return nil, fmt.Errorf("export person: %w", err)
	}
	a.Log.Info("personal data exported", "account", acc.ID, "id_number", acc.IDNumber, "by", actor.Username,
		"applications", len(x.Apps), "files", len(x.files))
	return x, nil
}

func (a *App) personExport(ctx context.Context, acc kaowu.Account) (*PersonExport, error) {
	s := a.Store
	x := &PersonExport{Format: PersonFormat, ExportedAt: a.Clock.Now().UTC(), Notice: personNotice, files: map[string][]byte{},
		Apps: []PersonApplication{}, Changes: []PersonChangeRequest{}, Merges: []PersonScoreMerge{}, Transfers: []PersonTransfer{},
		PreviousRecords: []PersonPreviousRecord{}, Reminders: []PersonReminder{}, Audit: []kaowu.AuditEntry{}}
	var err error
	if x.Profile, err = s.Profile(ctx, acc.ID); err != nil {
		return nil, err
	}
	x.Account = PersonAccount{ID: acc.ID, Username: acc.Username, Name: acc.Name, Role: acc.Role, IDType: acc.IDType,
		IDNumber: string(acc.IDNumber), Mobile: acc.Mobile, RecoveryQuestion: acc.RecoveryQuestion, CreatedAt: acc.CreatedAt,
		DeletedAt: acc.DeletedAt, PurgedAt: x.Profile.PurgedAt}
	if acc.IDType != "" {
		x.Account.IDTypeLabel = acc.IDType.Label()
	}
	x.Unit, x.Profile.Unit = x.Profile.Unit, nil
	if b, m, err := s.Photo(ctx, acc.ID); err == nil {
		x.Photo = x.file("photo.jpg", b, m.UploadedAt)
	} else if kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
		return nil, err
	}
	if b, err := s.WeChatBinding(ctx, acc.ID); err == nil {
		x.WeChat = &b
	} else if kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
		return nil, err
	}

	objects := []string{acc.ID}
	apps, err := s.ApplicationsOf(ctx, acc.ID)
	if err != nil {
		return nil, err
	}
	for _, ap := range apps {
		p, orderID, err := a.personApplication(ctx, x, ap)
		if err != nil {
			return nil, err
		}
		x.Apps = append(x.Apps, p)
		objects = append(objects, ap.ID)
		if orderID != "" {
			objects = append(objects, orderID)
		}
	}

	crs, err := s.ChangeRequests(ctx, "", acc.ID)
	if err != nil {
		return nil, err
	}
	for _, c := range crs {
		full, err := s.ChangeRequest(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		pc := PersonChangeRequest{ChangeRequest: full, NewIDNumber: string(full.NewIDNumber)}
		if len(full.Evidence) > 0 {
			pc.Evidence = x.file("change-requests/"+full.ID+".jpg", full.Evidence, time.Time{})
		}
		pc.ChangeRequest.Evidence = nil
		x.Changes = append(x.Changes, pc)
	}
	merges, err := s.ScoreMergesOfUser(ctx, acc.ID)
	if err != nil {
		return nil, err
	}
	for _, m := range merges {
		x.Merges = append(x.Merges, PersonScoreMerge{PreviousYear: m.PreviousYear, ArchiveNo: m.ArchiveNo, Operator: m.Operator,
			EvidenceNote: m.EvidenceNote, CreatedAt: m.CreatedAt.UTC()})
	}
	transfers, err := s.TransferRecordsOf(ctx, []string{acc.ID})
	if err != nil {
		return nil, err
	}
	for _, t := range transfers[acc.ID] {
		x.Transfers = append(x.Transfers, PersonTransfer{Province: t.Province, Year: t.Year, Specialty: t.Specialty, ArchiveNo: t.ArchiveNo,
			Results: t.Results, Note: t.Note, RecordedBy: t.RecordedBy, RecordedAt: t.RecordedAt.UTC()})
	}
	if acc.IDNumber != "" {
		recs, err := s.PreviousRecordsOf(ctx, acc.IDType, acc.IDNumber)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			x.PreviousRecords = append(x.PreviousRecords, PersonPreviousRecord{PreviousRecord: r, IDNumber: string(r.IDNumber)})
		}
	}

	rems, err := s.Inbox(ctx, acc.ID, 100000, false)
	if err != nil {
		return nil, err
	}
	for _, r := range rems {
		ds, err := s.Deliveries(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		pr := PersonReminder{Reminder: r, Deliveries: []PersonDelivery{}}
		for _, d := range ds {
			pr.Deliveries = append(pr.Deliveries, PersonDelivery{Channel: d.Channel, Status: d.Status, Detail: d.Detail, DeliveredAt: d.DeliveredAt.UTC()})
		}
		x.Reminders = append(x.Reminders, pr)
	}

	for _, o := range objects {
		es, err := s.AuditOf(ctx, o)
		if err != nil {
			return nil, err
		}
		x.Audit = append(x.Audit, es...)
	}
	sort.SliceStable(x.Audit, func(i, j int) bool {
		if !x.Audit[i].At.Equal(x.Audit[j].At) {
			return x.Audit[i].At.Before(x.Audit[j].At)
		}
		return x.Audit[i].ID < x.Audit[j].ID
	})
	return x, nil
}

// personApplication gathers one application; it returns the id of its
// order ("" when none), whose audit entries are theirs too.
func (a *App) personApplication(ctx context.Context, x *PersonExport, ap kaowu.Application) (PersonApplication, string, error) {
	s := a.Store
	p := PersonApplication{Application: ap, Versions: []PersonVersion{}}
	vs, err := s.Versions(ctx, ap.ID)
	if err != nil {
		return p, "", err
	}
	for _, meta := range vs {
		v, err := s.Version(ctx, ap.ID, meta.Version)
		if err != nil {
			return p, "", err
		}
		p.PurgedAt = v.PurgedAt
		pv := PersonVersion{Version: v.Version, SubmittedAt: v.SubmittedAt, Outcome: v.Outcome, Digest: v.Digest, Snapshot: json.RawMessage(v.Snapshot)}
		if len(v.Photo) > 0 {
			pv.Photo = x.file(fmt.Sprintf("applications/%d-%s/v%d-photo.jpg", ap.Year, ap.ID, v.Version), v.Photo, v.SubmittedAt)
		}
		p.Versions = append(p.Versions, pv)
	}
	if p.DeskDecisions, err = s.DeskDecisions(ctx, ap.ID); err != nil {
		return p, "", err
	}
	if p.DeskDecisions == nil {
		p.DeskDecisions = []store.DeskDecision{}
	}
	if r, err := s.ReviewDecisionOf(ctx, ap.ID); err == nil {
		p.Review = &PersonReview{Decision: r.Decision, Reason: r.Reason, Clause: r.Clause, Subjects: r.Subjects, FeeFen: r.FeeFen,
			DecidedBy: r.DecidedBy, DecidedAt: r.DecidedAt.UTC()}
	} else if kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
		return p, "", err
	}
	orderID := ""
	if o, err := s.OrderOf(ctx, ap.ID); err == nil {
		orderID = o.ID
		po := &PersonOrder{ID: o.ID, Subjects: o.Subjects, PerSubjectFen: o.PerSubjectFen, AmountFen: o.AmountFen, DueAt: o.DueAt.UTC(),
			CreatedAt: o.CreatedAt.UTC(), Attempts: []PersonPaymentTry{}, Payments: []PersonPaymentRecord{}, Refunds: []PersonRefund{}}
		tries, err := s.Attempts(ctx, o.ID)
		if err != nil {
			return p, "", err
		}
		for _, t := range tries {
			po.Attempts = append(po.Attempts, PersonPaymentTry{OutTradeNo: t.OutTradeNo, CreatedAt: t.CreatedAt.UTC(), ExpiresAt: t.ExpiresAt.UTC()})
		}
		pays, err := s.PaymentsOf(ctx, o.ID)
		if err != nil {
			return p, "", err
		}
		for _, m := range pays {
			po.Payments = append(po.Payments, PersonPaymentRecord{ID: m.ID, TransactionID: m.TransactionID, OutTradeNo: m.OutTradeNo,
				AmountFen: m.AmountFen, Payer: m.Payer, PaidAt: m.PaidAt.UTC(), Disposition: m.Disposition, Label: m.Disposition.Label(),
				Note: m.Note, RecordedAt: m.RecordedAt.UTC()})
		}
		refunds, err := s.RefundsOf(ctx, o.ID, time.Time{}, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			return p, "", err
		}
		for _, f := range refunds {
			po.Refunds = append(po.Refunds, PersonRefund{OutRefundNo: f.OutRefundNo, PaymentID: f.PaymentID, AmountFen: f.AmountFen, Reason: f.Reason,
				RequestedBy: f.RequestedBy, RequestedAt: f.RequestedAt.UTC(), Status: f.Status, RefundID: f.RefundID})
		}
		p.Order = po
	} else if kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
		return p, "", err
	}
	if ap.Site != "" {
		ps, err := s.TicketPrints(ctx, store.TicketFilter{Year: ap.Year, Site: ap.Site, ApplicationID: ap.ID})
		if err != nil {
			return p, "", err
		}
		if len(ps) == 1 {
			t := ps[0]
			p.Ticket = &PersonTicket{Ticket: t.Ticket, Seat: t.Seat, Room: t.Room.Name, Venue: t.Venue.Name, Address: t.Venue.Address}
		}
	}
	if sc, err := s.Score(ctx, ap.ID); err == nil {
		ps := &PersonScore{TicketNo: sc.TicketNo, Specialty: sc.Specialty, Scores: map[string]*int{}, Misconduct: sc.Misconduct,
			Passed: sc.Passed, UpdatedAt: sc.UpdatedAt.UTC()}
		for i, sub := range kaowu.Subjects {
			ps.Scores[string(sub)] = sc.Scores[i]
		}
		if json.Valid(sc.Answer) {
			ps.Answer = json.RawMessage(sc.Answer)
		}
		imports, err := s.ScoreImports(ctx, sc.Year)
		if err != nil {
			return p, "", err
		}
		for _, i := range imports {
			if i.ID == sc.ImportID {
				ps.Import = &PersonScoreImport{ID: i.ID, Source: i.Source, ImportedBy: i.ImportedBy, ImportedAt: i.ImportedAt.UTC()}
			}
		}
		p.Score = ps
	} else if kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
		return p, "", err
	}
	return p, orderID, nil
}

// file records an image of the ZIP and returns its reference.
func (x *PersonExport) file(name string, b []byte, at time.Time) *PersonFile {
	x.files[name] = b
	return &PersonFile{File: name, Bytes: len(b), UploadedAt: at.UTC()}
}

// JSON returns the export as indented UTF-8 JSON.
func (x *PersonExport) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("person json: %w", err)
	}
	return append(b, '\n'), nil
}

// Files returns the names of the ZIP's image files, sorted.
func (x *PersonExport) Files() []string {
	names := make([]string, 0, len(x.files))
	for n := range x.files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// WriteZIP writes the export as a ZIP: person.json first, then the photos
// and evidence scans it names.
func (x *PersonExport) WriteZIP(w io.Writer) error {
	b, err := x.JSON()
	if err != nil {
		return err
	}
	z := zip.NewWriter(w)
	add := func(name string, body []byte) error {
		f, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: x.ExportedAt})
		if err != nil {
			return err
		}
		_, err = f.Write(body)
		return err
	}
	if err := add("person.json", b); err != nil {
		return fmt.Errorf("person zip: %w", err)
	}
	for _, n := range x.Files() {
		if err := add(n, x.files[n]); err != nil {
			return fmt.Errorf("person zip: %w", err)
		}
	}
	if err := z.Close(); err != nil {
		return fmt.Errorf("person zip: %w", err)
	}
	return nil
}
